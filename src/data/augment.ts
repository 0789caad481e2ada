// Data augmentation for 28x28 MNIST digits, modelling how real handwriting varies: rotation, per-axis scale
// (size and aspect ratio), shear (slant), translation, stroke thickness (bolder and thinner) and elastic
// distortion (Simard, Steinkraus & Platt 2003, "Best practices for CNNs applied to visual document analysis").
//
// Fast by construction: the geometry (affine + elastic field) is one inverse mapping per output pixel with one
// bilinear sample, never several resamplings; elastic fields are smoothed on a coarse grid with precomputed
// Gaussian kernels; scratch buffers are allocated once per module, nothing per image.
// Pure TypeScript, no Node imports: runs in the browser too.
//
// Only image-level changes: pen-drawn variety MNIST lacks (flagged/footed 1s, crossed 7s, closed 4s,
// open-tailed 9s) cannot be added to bitmaps sensibly and comes from stroke-rendered digits in training instead.
import type { Random } from './random.ts';

const SIZE = 28;
const PIXELS = SIZE * SIZE;
const CENTER = (SIZE - 1) / 2; // 13.5: rotation, scale and shear keep the image centre fixed (MNIST digits sit there)
const PADDED = SIZE + 2; // source copied into a (30,30) buffer with a zero border, so bilinear reads need no edge cases

export interface AugmentOptions {
  /** Rotation drawn uniformly in +-rotateDegrees (positive = counter-clockwise as displayed). */
  rotateDegrees: number;
  /** Scale factors drawn uniformly in [lo, hi], independently for x and y (so the aspect ratio varies too). */
  scale: [number, number];
  /** Shear factor drawn uniformly in +-shear: x moves by shear * height above the centre (0.25 = ~14 degrees slant). */
  shear: number;
  /** Translation in pixels, drawn uniformly in +-translate for x and for y. */
  translate: number;
  /** Probability of a thickness change: bolder (3x3-cross grey dilation) or thinner (erosion), blended fractionally. */
  thickness: number;
  /**
   * Elastic distortion with this probability. alpha and sigma are in Simard et al.'s units: a displacement field of
   * uniform(-1,1) noise per pixel, smoothed by a Gaussian of `sigma` pixels, scaled by `alpha` pixels.
   */
  elastic: { probability: number; alpha: number; sigma: number };
}

/**
 * Defaults for real handwriting, tuned by looking at docs/augment.png (scripts/augment-picture.ts): every version
 * still reads as the same digit and stays inside the frame, while slant, size, aspect, position, stroke width and
 * wobble vary about as much as between people. Elastic on half the images: Simard's alpha 34 with sigma 4 (a field of
 * std ~1.4 px) turns too many 4s, 7s and 9s into other digits once combined with the affine changes, so the field
 * here is smoother and milder (alpha 30, sigma 5: std ~1.0 px).
 */
export const DEFAULT_AUGMENT: AugmentOptions = {
  rotateDegrees: 12,
  scale: [0.85, 1.1],
  shear: 0.25,
  translate: 2,
  thickness: 0.5,
  elastic: { probability: 0.5, alpha: 30, sigma: 5 },
};

/** Stronger variation, for long runs where the model would otherwise overfit. */
export const STRONG_AUGMENT: AugmentOptions = {
  rotateDegrees: 15,
  scale: [0.8, 1.12],
  shear: 0.3,
  translate: 2.5,
  thickness: 0.7,
  elastic: { probability: 0.8, alpha: 34, sigma: 5 },
};

/** Options that change nothing: each output is its input (scaled to 0..1). */
export const NO_AUGMENT: AugmentOptions = {
  rotateDegrees: 0,
  scale: [1, 1],
  shear: 0,
  translate: 0,
  thickness: 0,
  elastic: { probability: 0, alpha: 0, sigma: 4 },
};

/** One image's geometric transform, forward (source -> output): scale, then shear, then rotate, about the centre. */
export interface WarpParams {
  rotateDegrees: number;
  scaleX: number;
  scaleY: number;
  shear: number;
  translateX: number; // pixels, positive = right
  translateY: number; // pixels, positive = down
}

/**
 * Augments `count` 28x28 images. src: Uint8Array (count*784, 0..255, MNIST white-on-black) or Float32Array 0..1;
 * out: Float32Array (count*784) 0..1. Deterministic given `random`'s state. `out` may be `src` (in place): each
 * image is copied to scratch before its output is written.
 */
export function augmentImages(src: Uint8Array | Float32Array, count: number, out: Float32Array, random: Random, options: AugmentOptions = DEFAULT_AUGMENT): void {
  checkOptions(options);
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`augmentImages: count must be a non-negative integer, got ${count}`);
  if (src.length < count * PIXELS) throw new RangeError(`augmentImages: src holds ${src.length} values, fewer than ${count} images of 784`);
  if (out.length < count * PIXELS) throw new RangeError(`augmentImages: out holds ${out.length} values, fewer than ${count} images of 784`);
  const { rotateDegrees, scale, shear, translate, thickness, elastic } = options;
  const toUnit = src instanceof Uint8Array ? 1 / 255 : 1;
  const field = elastic.probability > 0 ? elasticFieldPlan(elastic.sigma) : null;
  const params: WarpParams = { rotateDegrees: 0, scaleX: 1, scaleY: 1, shear: 0, translateX: 0, translateY: 0 };
  for (let n = 0; n < count; n++) {
    // Always the same draws per image, in the same order, so one option's value never shifts another's stream.
    params.rotateDegrees = random.uniform(-rotateDegrees, rotateDegrees);
    params.scaleX = random.uniform(scale[0], scale[1]);
    params.scaleY = random.uniform(scale[0], scale[1]);
    params.shear = random.uniform(-shear, shear);
    params.translateX = random.uniform(-translate, translate);
    params.translateY = random.uniform(-translate, translate);
    const thicknessDraw = random.next();
    const thicknessAmount = random.next();
    const elasticDraw = random.next();

    padImage(src, n * PIXELS, toUnit, padded);
    const distort = field !== null && elasticDraw < elastic.probability;
    if (distort) makeElasticField(field, elastic.alpha, random, fieldX, fieldY);
    if (thicknessDraw < thickness) {
      warpPadded(padded, params, distort ? fieldX : null, distort ? fieldY : null, warped, 0);
      // Half bolder, half thinner. Thinning stops short of a full erosion: MNIST strokes are only ~2-3 px wide.
      const amount = thicknessDraw < thickness / 2 ? 0.35 + 0.65 * thicknessAmount : -(0.3 + 0.6 * thicknessAmount);
      changeThicknessAt(warped, 0, out, n * PIXELS, amount);
    } else {
      warpPadded(padded, params, distort ? fieldX : null, distort ? fieldY : null, out, n * PIXELS);
    }
  }
}

/** Applies one geometric transform to a 28x28 image `src` (0..1) into `out` (784), with bilinear sampling. */
export function warpImage(src: Float32Array, out: Float32Array, params: WarpParams): void {
  if (src.length < PIXELS || out.length < PIXELS) throw new RangeError('warpImage: src and out must hold 784 values (28x28)');
  padImage(src, 0, 1, padded);
  warpPadded(padded, params, null, null, out, 0);
}

/**
 * Makes the strokes of a 28x28 image (0..1) bolder (amount > 0) or thinner (amount < 0): the image blended
 * with its grey dilation (max over the pixel and its 4 neighbours) or erosion (min), by |amount| in 0..1.
 */
export function changeThickness(src: Float32Array, out: Float32Array, amount: number): void {
  if (!(amount >= -1 && amount <= 1)) throw new RangeError(`changeThickness: amount must be in -1..1, got ${amount}`);
  if (src.length < PIXELS || out.length < PIXELS) throw new RangeError('changeThickness: src and out must hold 784 values (28x28)');
  if (src === out) throw new RangeError('changeThickness: src and out must be different arrays');
  changeThicknessAt(src, 0, out, 0, amount);
}

/** Throws a RangeError naming the first bad option. */
export function checkOptions(options: AugmentOptions): void {
  const bad = (what: string, value: unknown, expected: string) => new RangeError(`augment option ${what} must be ${expected}, got ${String(value)}`);
  const finiteAtLeast0 = (what: string, value: number) => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw bad(what, value, 'a finite number >= 0');
  };
  const probability = (what: string, value: number) => {
    if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw bad(what, value, 'a probability in 0..1');
  };
  if (options === null || typeof options !== 'object') throw new RangeError('augment options must be an object');
  finiteAtLeast0('rotateDegrees', options.rotateDegrees);
  if (options.rotateDegrees > 180) throw bad('rotateDegrees', options.rotateDegrees, 'at most 180');
  const scale = options.scale;
  if (!Array.isArray(scale) || scale.length !== 2) throw bad('scale', scale, 'a [lo, hi] pair');
  for (const s of scale) if (typeof s !== 'number' || !Number.isFinite(s) || s <= 0) throw bad('scale', `[${scale.join(', ')}]`, 'positive finite numbers');
  if (scale[0] > scale[1]) throw bad('scale', `[${scale.join(', ')}]`, '[lo, hi] with lo <= hi');
  finiteAtLeast0('shear', options.shear);
  if (options.shear > 2) throw bad('shear', options.shear, 'at most 2');
  finiteAtLeast0('translate', options.translate);
  if (options.translate > SIZE / 2) throw bad('translate', options.translate, `at most ${SIZE / 2} pixels`);
  probability('thickness', options.thickness);
  const elastic = options.elastic;
  if (elastic === null || typeof elastic !== 'object') throw new RangeError('augment option elastic must be { probability, alpha, sigma }');
  probability('elastic.probability', elastic.probability);
  finiteAtLeast0('elastic.alpha', elastic.alpha);
  if (typeof elastic.sigma !== 'number' || !(elastic.sigma >= 0.5 && elastic.sigma <= 20)) throw bad('elastic.sigma', elastic.sigma, 'in 0.5..20 pixels');
}

// ---- scratch, allocated once ----
const padded = new Float64Array(PADDED * PADDED); // (30,30), border stays 0
const warped = new Float32Array(PIXELS); // (28,28) geometry output before a thickness change
const fieldX = new Float64Array(PIXELS); // (28,28) elastic displacement, output pixels
const fieldY = new Float64Array(PIXELS);

/** Copies image `offset` of src, times `toUnit`, into the interior of the (30,30) zero-bordered buffer. */
function padImage(src: Uint8Array | Float32Array, offset: number, toUnit: number, into: Float64Array): void {
  for (let y = 0; y < SIZE; y++) {
    const from = offset + y * SIZE;
    const to = (y + 1) * PADDED + 1;
    for (let x = 0; x < SIZE; x++) into[to + x] = src[from + x] * toUnit;
  }
}

/**
 * The one resampling: for each output pixel p, the source point is A^-1 (p + d(p) - c - t) + c, read bilinearly
 * (zero outside). A = rotate * shear * scale; d is the elastic field (null for none), applied in output space.
 */
function warpPadded(source: Float64Array, params: WarpParams, dx: Float64Array | null, dy: Float64Array | null, out: Float32Array, outOffset: number): void {
  const theta = (params.rotateDegrees * Math.PI) / 180;
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  // With y pointing down, a counter-clockwise rotation on screen is [[cos, sin], [-sin, cos]];
  // shear [[1, -k], [0, 1]] moves rows above the centre (y < 0) right: a forward slant.
  const k = params.shear;
  const sx = params.scaleX;
  const sy = params.scaleY;
  // A = R * Sh * S
  const a00 = cos * sx;
  const a01 = (-cos * k + sin) * sy;
  const a10 = -sin * sx;
  const a11 = (sin * k + cos) * sy;
  const det = a00 * a11 - a01 * a10; // = sx * sy > 0
  const i00 = a11 / det;
  const i01 = -a01 / det;
  const i10 = -a10 / det;
  const i11 = a00 / det;
  const ox = CENTER + params.translateX;
  const oy = CENTER + params.translateY;
  const last = PADDED - 1;
  for (let y = 0; y < SIZE; y++) {
    const qy = y - oy;
    // Source point of output pixel (0, y) in padded coordinates (+1 for the border); it moves by (i00, i10) per x.
    const uRow = -i00 * ox + i01 * qy + CENTER + 1;
    const vRow = -i10 * ox + i11 * qy + CENTER + 1;
    const rowAt = outOffset + y * SIZE;
    for (let x = 0; x < SIZE; x++) {
      let u = uRow + i00 * x;
      let v = vRow + i10 * x;
      if (dx !== null) {
        const ddx = dx[y * SIZE + x];
        const ddy = dy![y * SIZE + x];
        u += i00 * ddx + i01 * ddy;
        v += i10 * ddx + i11 * ddy;
      }
      let value = 0;
      if (u >= 0 && v >= 0 && u < last && v < last) {
        const x0 = u | 0; // u >= 0, so truncation is floor
        const y0 = v | 0;
        const fx = u - x0;
        const fy = v - y0;
        const at = y0 * PADDED + x0;
        const top = source[at] + fx * (source[at + 1] - source[at]);
        const bottom = source[at + PADDED] + fx * (source[at + PADDED + 1] - source[at + PADDED]);
        value = top + fy * (bottom - top);
      }
      out[rowAt + x] = value;
    }
  }
}

/** out = (1-|amount|) * image + |amount| * (dilation if amount > 0, else erosion), with a 3x3 cross; 0 outside. */
function changeThicknessAt(image: Float32Array, offset: number, out: Float32Array, outOffset: number, amount: number): void {
  const weight = Math.abs(amount);
  const bolder = amount > 0;
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const at = offset + y * SIZE + x;
      const center = image[at];
      const left = x > 0 ? image[at - 1] : 0;
      const right = x < SIZE - 1 ? image[at + 1] : 0;
      const up = y > 0 ? image[at - SIZE] : 0;
      const down = y < SIZE - 1 ? image[at + SIZE] : 0;
      let morphed = center;
      if (bolder) {
        if (left > morphed) morphed = left;
        if (right > morphed) morphed = right;
        if (up > morphed) morphed = up;
        if (down > morphed) morphed = down;
      } else {
        if (left < morphed) morphed = left;
        if (right < morphed) morphed = right;
        if (up < morphed) morphed = up;
        if (down < morphed) morphed = down;
      }
      out[outOffset + y * SIZE + x] = center + weight * (morphed - center);
    }
  }
}

// ---- elastic fields ----
// Simard's field is uniform(-1,1) noise per pixel smoothed by a Gaussian of sigma px. Smoothing 784 values with a
// wide kernel per image is the slow part, so the noise lives on a coarse grid (spacing sigma/2 px: the smoothed
// field has no detail finer than that), is smoothed there with a Gaussian of 2 grid cells, and is upsampled
// bilinearly. A gain makes its spread equal the full-resolution field's, so alpha means what it did.
// Fields are interleaved: index 2i is the x displacement, 2i+1 the y displacement, so one pass smooths both.

const GRID_SIGMA = 2; // Gaussian sigma in grid cells (fewer only when sigma < 2 px, at one node per pixel)

interface ElasticFieldPlan {
  grid: number; // (grid, grid) nodes, `spacing` px apart, cover the 28x28 output
  kernel: Float64Array; // (taps), sums to 1; noise is (grid + taps - 1)^2 so no node sees a border
  gain: number; // std of Simard's full-resolution smoothed noise / std of ours
  // Float64 scratch: no float32 <-> float64 conversion on every load and store in the loops.
  noise: Float64Array; // (noiseSize, noiseSize, 2)
  rows: Float64Array; // (noiseSize, grid, 2): after the horizontal pass
  nodes: Float64Array; // (grid, grid, 2): the smoothed field at the nodes
  cell: Int32Array; // (28): the grid cell left of (above) each pixel coordinate
  fraction: Float64Array; // (28): how far into that cell it lies, 0..1
}

const plans = new Map<number, ElasticFieldPlan>();

function gaussianKernel(sigma: number, radius: number): Float64Array {
  const kernel = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) sum += kernel[i + radius] = Math.exp((-i * i) / (2 * sigma * sigma));
  for (let i = 0; i < kernel.length; i++) kernel[i] /= sum;
  return kernel;
}

function sumOfSquares(kernel: Float64Array): number {
  let sum = 0;
  for (const k of kernel) sum += k * k;
  return sum;
}

function elasticFieldPlan(sigma: number): ElasticFieldPlan {
  const cached = plans.get(sigma);
  if (cached) return cached;
  const spacing = Math.max(1, sigma / GRID_SIGMA);
  const gridSigma = sigma / spacing;
  const kernel = gaussianKernel(gridSigma, Math.ceil(2.5 * gridSigma));
  const grid = Math.floor((SIZE - 1) / spacing) + 2;
  // Smoothing i.i.d. noise with a separable kernel k (x) k multiplies its std by sqrt(sum((k (x) k)^2)) = sum(k^2).
  const fullResolution = gaussianKernel(sigma, Math.ceil(4 * sigma));
  const gain = sumOfSquares(fullResolution) / sumOfSquares(kernel);
  const noiseSize = grid + kernel.length - 1;
  const cell = new Int32Array(SIZE);
  const fraction = new Float64Array(SIZE);
  for (let i = 0; i < SIZE; i++) {
    const g = i / spacing;
    cell[i] = Math.min(Math.floor(g), grid - 2);
    fraction[i] = g - cell[i];
  }
  const plan: ElasticFieldPlan = {
    grid,
    kernel,
    gain,
    noise: new Float64Array(noiseSize * noiseSize * 2),
    rows: new Float64Array(noiseSize * grid * 2),
    nodes: new Float64Array(grid * grid * 2),
    cell,
    fraction,
  };
  plans.set(sigma, plan);
  return plan;
}

/** Fills dx, dy (28,28) with a fresh elastic displacement field of strength alpha (pixels). */
function makeElasticField(plan: ElasticFieldPlan, alpha: number, random: Random, dx: Float64Array, dy: Float64Array): void {
  const { noise } = plan;
  // Uniform in [-1, 1) with 16-bit resolution: each 32-bit draw gives the x and the y noise of one node.
  for (let i = 0; i < noise.length; i += 2) {
    const bits = random.nextUint32();
    noise[i] = (bits & 0xffff) / 32768 - 1;
    noise[i + 1] = (bits >>> 16) / 32768 - 1;
  }
  smoothOnGrid(plan);
  upsample(plan, alpha * plan.gain, dx, dy);
}

/** Separable Gaussian, both fields at once: noise (n,n,2) -> rows (n,grid,2) -> nodes (grid,grid,2), "valid". */
function smoothOnGrid(plan: ElasticFieldPlan): void {
  const { grid, kernel, noise, rows, nodes } = plan;
  const taps = kernel.length;
  const n = grid + taps - 1;
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < grid; c++) {
      let sumX = 0;
      let sumY = 0;
      let at = 2 * (r * n + c);
      for (let t = 0; t < taps; t++, at += 2) {
        sumX += kernel[t] * noise[at];
        sumY += kernel[t] * noise[at + 1];
      }
      rows[2 * (r * grid + c)] = sumX;
      rows[2 * (r * grid + c) + 1] = sumY;
    }
  }
  const rowStride = 2 * grid;
  for (let r = 0; r < grid; r++) {
    for (let c = 0; c < grid; c++) {
      let sumX = 0;
      let sumY = 0;
      let at = 2 * (r * grid + c);
      for (let t = 0; t < taps; t++, at += rowStride) {
        sumX += kernel[t] * rows[at];
        sumY += kernel[t] * rows[at + 1];
      }
      nodes[2 * (r * grid + c)] = sumX;
      nodes[2 * (r * grid + c) + 1] = sumY;
    }
  }
}

/** Bilinear upsampling of the (grid,grid,2) node values to two (28,28) fields, times `gain`. */
function upsample(plan: ElasticFieldPlan, gain: number, dx: Float64Array, dy: Float64Array): void {
  const { grid, nodes, cell, fraction } = plan;
  const down = 2 * grid;
  for (let y = 0; y < SIZE; y++) {
    const fy = fraction[y];
    const rowAt = 2 * cell[y] * grid;
    for (let x = 0; x < SIZE; x++) {
      const fx = fraction[x];
      const at = rowAt + 2 * cell[x];
      const topX = nodes[at] + fx * (nodes[at + 2] - nodes[at]);
      const bottomX = nodes[at + down] + fx * (nodes[at + down + 2] - nodes[at + down]);
      const topY = nodes[at + 1] + fx * (nodes[at + 3] - nodes[at + 1]);
      const bottomY = nodes[at + down + 1] + fx * (nodes[at + down + 3] - nodes[at + down + 1]);
      dx[y * SIZE + x] = gain * (topX + fy * (bottomX - topX));
      dy[y * SIZE + x] = gain * (topY + fy * (bottomY - topY));
    }
  }
}
