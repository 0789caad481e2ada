// Finding the ink in a picture: which pixels were written on, and how strongly, whatever the colours, the
// paper, the light. Soft values are kept at stroke edges so that later shrinking stays anti-aliased.
import type { RgbaImage, InkMap } from './types.ts';
import { labelComponents } from './components.ts';
import { scratchArray } from './scratch.ts';

export interface FindInkOptions {
  /** Darkness relative to the local paper below which a pixel is paper, 0-1. Default 0.15. */
  minContrast?: number;
  /** Half-size of the window that estimates the local paper brightness, in pixels. Default 1/16 of the larger side (at least 8). */
  windowRadius?: number;
  /** Ink blobs smaller than this many pixels are noise. Default max(4, 0.002% of the image). */
  minSpeckArea?: number;
  /** Remove long thin horizontal and vertical lines (ruled paper, form boxes). Default true. */
  removeLines?: boolean;
}

/**
 * Ink intensity per pixel (0 paper, 1 full ink). Transparent pixels count as white paper (a canvas drawn on a
 * transparent background works); the paper may be light or dark, lit unevenly, noisy or ruled.
 */
export function findInk(image: RgbaImage, options: FindInkOptions = {}): InkMap {
  const { width, height } = image;
  const n = width * height;
  if (n === 0) return { width, height, data: new Float32Array(0) };
  const gray = toGray(image);

  // Polarity: the paper is most of the picture, so the median says whether it is light or dark.
  // Work on "lightness of paper" either way: ink is darker than paper after this.
  let paper = median(gray);
  if (paper < 0.5) {
    for (let i = 0; i < n; i++) gray[i] = 1 - gray[i];
    paper = median(gray);
  }

  const radius = options.windowRadius ?? Math.max(8, Math.round(Math.max(width, height) / 16));
  const minContrast = options.minContrast ?? 0.15;
  const contrast = localContrast(gray, paper, width, height, radius, minContrast);

  // Full ink is the typical contrast of clearly inked pixels (pencil on grey paper is weaker than marker on white).
  const full = Math.max(minContrast * 2, upperMedian(contrast, minContrast * 2));
  const ink = scratchArray('ink.ink', Float32Array, n);
  const strong = scratchArray('ink.strong', Uint8Array, n);
  for (let i = 0; i < n; i++) {
    const v = (contrast[i] - minContrast) / (full - minContrast);
    ink[i] = v <= 0 ? 0 : v >= 1 ? 1 : v;
    strong[i] = ink[i] >= 0.5 ? 1 : 0;
  }

  if (options.removeLines ?? true) {
    const thickest = Math.max(3, Math.round(Math.min(width, height) / 60));
    removeLongThinRuns(strong, width, height, Math.round(width * 0.5), thickest);
    const transposed = transpose(strong, width, height, 'ink.transposed');
    removeLongThinRuns(transposed, height, width, Math.round(height * 0.5), thickest);
    strong.set(transpose(transposed, height, width, 'ink.transposedBack'));
  }
  removeSpecks(strong, width, height, options.minSpeckArea ?? Math.max(4, Math.round(n * 2e-5)));

  // Keep strong ink, and soft ink (edges) only where it touches strong ink: lone faint pixels are noise or
  // the fringe of a removed line.
  const out = new Float32Array(n);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (strong[i]) out[i] = ink[i];
      else if (ink[i] > 0 && touches(strong, width, height, x, y)) out[i] = ink[i];
    }
  }
  return { width, height, data: out };
}

// Luminance 0..1 (Rec. 709), alpha composited over white.
function toGray(image: RgbaImage): Float32Array {
  const { data } = image;
  const gray = scratchArray('ink.gray', Float32Array, image.width * image.height);
  for (let i = 0, p = 0; i < gray.length; i++, p += 4) {
    const alpha = data[p + 3] / 255;
    const luminance = (0.2126 * data[p] + 0.7152 * data[p + 1] + 0.0722 * data[p + 2]) / 255;
    gray[i] = alpha * luminance + (1 - alpha);
  }
  return gray;
}

function median(values: Float32Array): number {
  const histogram = new Uint32Array(256);
  for (let i = 0; i < values.length; i++) histogram[Math.min(255, Math.max(0, Math.round(values[i] * 255)))]++;
  let seen = 0;
  for (let b = 0; b < 256; b++) {
    seen += histogram[b];
    if (seen * 2 >= values.length) return b / 255;
  }
  return 1;
}

// The median of the values above `floor` (or `floor` when none is).
function upperMedian(values: Float32Array, floor: number): number {
  const histogram = new Uint32Array(256);
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    if (values[i] <= floor) continue;
    histogram[Math.min(255, Math.round(values[i] * 255))]++;
    count++;
  }
  let seen = 0;
  for (let b = 0; b < 256; b++) {
    seen += histogram[b];
    if (seen * 2 >= count && count > 0) return b / 255;
  }
  return floor;
}

/**
 * How much darker each pixel is than the paper around it, as a fraction of the paper's brightness (Bradley's
 * adaptive threshold, soft). The paper around a pixel is the mean of its window over pixels that are not
 * clearly ink (a second pass, so bold strokes do not darken their own background); summed-area tables keep it
 * O(pixels) whatever the window. `paper` is the median of `gray`, the paper where a window holds only ink.
 */
function localContrast(gray: Float32Array, paper: number, width: number, height: number, radius: number, minContrast: number): Float32Array {
  const n = width * height;
  const weight = scratchArray('ink.weight', Float32Array, n);
  const contrast = scratchArray('ink.contrast', Float32Array, n);
  const tables = new SummedAreas(width, height);
  const background = scratchArray('ink.background', Float32Array, n);
  tables.sum(gray, null);
  tables.windowMean(radius, 1, background);
  for (let i = 0; i < n; i++) {
    const paper = background[i];
    contrast[i] = paper > 1e-3 ? (paper - gray[i]) / paper : 0;
    weight[i] = contrast[i] > minContrast ? 0 : 1;
  }
  tables.sum(gray, weight);
  tables.windowMean(radius, paper, background);
  for (let i = 0; i < n; i++) {
    const paper = background[i];
    contrast[i] = paper > 1e-3 ? (paper - gray[i]) / paper : 0;
  }
  return contrast;
}

/**
 * Summed-area tables, (height+1, width+1) with a zero first row and column, of values x weight and of the weights
 * (weights all 1 when null: the count is then the window's area), and the weighted mean in a window they give.
 * Its tables are scratch arrays (scratch.ts): one instance at a time, and windowMean reads the last sum().
 */
class SummedAreas {
  private readonly values: Float64Array;
  private readonly weights: Float64Array;
  private weighted = false;
  constructor(
    private readonly width: number,
    private readonly height: number,
  ) {
    this.values = scratchArray('ink.sum', Float64Array, (width + 1) * (height + 1));
    this.weights = scratchArray('ink.count', Float64Array, (width + 1) * (height + 1));
  }

  sum(values: Float32Array, weight: Float32Array | null): void {
    const { width, height } = this;
    const w1 = width + 1;
    const table = this.values;
    const count = this.weights;
    this.weighted = weight !== null;
    for (let y = 0; y < height; y++) {
      const above = y * w1 + 1;
      const here = above + w1;
      const row = y * width;
      let rowSum = 0;
      if (weight) {
        let rowCount = 0;
        for (let x = 0; x < width; x++) {
          rowSum += values[row + x] * weight[row + x];
          rowCount += weight[row + x];
          table[here + x] = table[above + x] + rowSum;
          count[here + x] = count[above + x] + rowCount;
        }
      } else {
        for (let x = 0; x < width; x++) {
          rowSum += values[row + x];
          table[here + x] = table[above + x] + rowSum;
        }
      }
    }
  }

  // Mean of the values (weighted) in the (2r+1)² window around each pixel into out; `fallback` where all weights
  // are 0. Columns whose window lies inside the image (x - r >= 0, x + r < width) take a loop without clamping.
  windowMean(r: number, fallback: number, out: Float32Array): void {
    const { width, height } = this;
    const w1 = width + 1;
    const side = 2 * r + 1;
    const innerStart = Math.min(r, width);
    const innerEnd = Math.max(innerStart, width - r);
    for (let y = 0; y < height; y++) {
      const ya = Math.max(0, y - r) * w1;
      const yb = Math.min(height, y + r + 1) * w1;
      const o = y * width;
      for (let x = 0; x < innerStart; x++) out[o + x] = this.mean(ya, yb, 0, Math.min(width, x + r + 1), fallback);
      const sum = this.values;
      // the window's corners are (ya, x - r), (ya, x + r + 1), (yb, ...): a, b are their rows less r
      const a = ya - r, b = yb - r;
      if (this.weighted) {
        const count = this.weights;
        for (let x = innerStart; x < innerEnd; x++) {
          const c = count[b + x + side] - count[a + x + side] - count[b + x] + count[a + x];
          const s = sum[b + x + side] - sum[a + x + side] - sum[b + x] + sum[a + x];
          out[o + x] = c > 0.5 ? s / c : fallback;
        }
      } else {
        const c = ((yb - ya) / w1) * side;
        for (let x = innerStart; x < innerEnd; x++) {
          const s = sum[b + x + side] - sum[a + x + side] - sum[b + x] + sum[a + x];
          out[o + x] = c > 0.5 ? s / c : fallback;
        }
      }
      for (let x = innerEnd; x < width; x++) out[o + x] = this.mean(ya, yb, Math.max(0, x - r), Math.min(width, x + r + 1), fallback);
    }
  }

  // The mean over table rows [ya, yb) (offsets of rows, in table elements) and columns [xa, xb).
  private mean(ya: number, yb: number, xa: number, xb: number, fallback: number): number {
    const sum = this.values;
    const count = this.weights;
    const c = this.weighted ? count[yb + xb] - count[ya + xb] - count[yb + xa] + count[ya + xa] : ((yb - ya) / (this.width + 1)) * (xb - xa);
    const s = sum[yb + xb] - sum[ya + xb] - sum[yb + xa] + sum[ya + xa];
    return c > 0.5 ? s / c : fallback;
  }
}

/**
 * Clears ruled lines: pixels on a path of ink at least `minLength` long running left to right (drifting at most
 * one row per column, so slightly tilted lines count) where the ink is at most `thickest` rows tall. Where a
 * digit's stroke crosses the line the ink is taller, so the crossing stays.
 */
function removeLongThinRuns(mask: Uint8Array, width: number, height: number, minLength: number, thickest: number): void {
  const n = width * height;
  // how tall the ink is at each pixel: the vertical run through it. Only thin ink can be a line: none, no work.
  const runTop = scratchArray('ink.runTop', Int32Array, n);
  for (let i = 0; i < n; i++) if (mask[i]) runTop[i] = i >= width ? runTop[i - width] + 1 : 1;
  const tall = scratchArray('ink.tall', Int32Array, n);
  let anyThin = false;
  for (let i = n - 1; i >= 0; i--) {
    if (!mask[i]) continue;
    tall[i] = i + width < n && mask[i + width] ? tall[i + width] : runTop[i];
    if (tall[i] <= thickest) anyThin = true;
  }
  if (!anyThin) return;
  const fromLeft = scratchArray('ink.fromLeft', Int32Array, n); // longest path of ink ending at the pixel, coming from the left
  let longest = 0;
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      const i = y * width + x;
      if (!mask[i]) continue;
      let best = 0;
      if (x > 0) {
        for (let dy = -1; dy <= 1; dy++) {
          const ny = y + dy;
          if (ny >= 0 && ny < height && fromLeft[ny * width + x - 1] > best) best = fromLeft[ny * width + x - 1];
        }
      }
      fromLeft[i] = best + 1;
      if (best + 1 > longest) longest = best + 1;
    }
  }
  if (longest < minLength) return; // no path through any pixel is long enough
  const fromRight = scratchArray('ink.fromRight', Int32Array, n);
  for (let x = width - 1; x >= 0; x--) {
    for (let y = 0; y < height; y++) {
      const i = y * width + x;
      if (!mask[i]) continue;
      let best = 0;
      if (x < width - 1) {
        for (let dy = -1; dy <= 1; dy++) {
          const ny = y + dy;
          if (ny >= 0 && ny < height && fromRight[ny * width + x + 1] > best) best = fromRight[ny * width + x + 1];
        }
      }
      fromRight[i] = best + 1;
    }
  }
  for (let i = 0; i < n; i++) {
    if (mask[i] && fromLeft[i] + fromRight[i] - 1 >= minLength && tall[i] <= thickest) mask[i] = 0;
  }
}

function transpose(mask: Uint8Array, width: number, height: number, key: string): Uint8Array {
  const out = scratchArray(key, Uint8Array, mask.length);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[x * height + y] = mask[y * width + x];
  return out;
}

function removeSpecks(mask: Uint8Array, width: number, height: number, minArea: number): void {
  const { labels, components } = labelComponents(mask, width, height, 'ink.specks');
  for (let i = 0; i < mask.length; i++) {
    if (labels[i] && components[labels[i] - 1].area < minArea) mask[i] = 0;
  }
}

function touches(mask: Uint8Array, width: number, height: number, x: number, y: number): boolean {
  for (let dy = -1; dy <= 1; dy++) {
    const ny = y + dy;
    if (ny < 0 || ny >= height) continue;
    for (let dx = -1; dx <= 1; dx++) {
      const nx = x + dx;
      if (nx >= 0 && nx < width && mask[ny * width + nx]) return true;
    }
  }
  return false;
}
