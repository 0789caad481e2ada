// Robustness rows beyond MNIST: the test digits made bolder, thinner, slanted, rotated, shifted off-centre and
// re-centred by our own preprocessing, and digits we draw ourselves as pen strokes. Drawn digits differ from
// MNIST in exactly these ways, so these accuracies predict the app better than the clean test accuracy does.
// Every transform is deterministic: randomness comes from `seededRandom(seed)`.
import { allDigitStrokes, seededRandom, toMnistImage, MNIST_SIZE } from '../vision/index.ts';
import type { InkMap } from '../vision/index.ts';
import { argmaxRows, DIGIT_CLASSES } from './evaluate.ts';
import { drawTemplateDigit } from './stroke-digits.ts';

const PIXELS = MNIST_SIZE * MNIST_SIZE; // 784

/** A labelled set of 28x28 images to measure accuracy on. */
export interface RobustnessSet {
  name: string;
  description: string;
  images: Float32Array; // (count, 28, 28), 0 = background, 1 = full ink
  labels: Uint8Array; // (count,)
  count: number;
}

export interface RobustnessRow {
  name: string;
  description: string;
  n: number;
  accuracy: number; // 0..1
}

/** Turns (count, 28, 28) images into (count, 10) scores (probabilities or logits: only the argmax is used). */
export type ScoreImages = (images: Float32Array, count: number) => Promise<Float32Array>;

/** Grey-level dilation: each pixel becomes the maximum of itself and its 4 neighbours, so strokes grow ~2 px wider. */
export function dilate(image: Float32Array, size = MNIST_SIZE): Float32Array {
  return crossFilter(image, size, Math.max);
}

/** Grey-level erosion: the minimum over the same plus-shaped neighbourhood, so strokes shrink ~2 px thinner. */
export function erode(image: Float32Array, size = MNIST_SIZE): Float32Array {
  return crossFilter(image, size, Math.min);
}

// Outside the image counts as background (0), which only matters for erosion at the border.
function crossFilter(image: Float32Array, size: number, pick: (a: number, b: number) => number): Float32Array {
  const out = new Float32Array(size * size);
  const at = (x: number, y: number) => (x < 0 || y < 0 || x >= size || y >= size ? 0 : image[y * size + x]);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      out[y * size + x] = pick(pick(pick(at(x, y), at(x - 1, y)), pick(at(x + 1, y), at(x, y - 1))), at(x, y + 1));
    }
  }
  return out;
}

/**
 * The image under an affine map about its centre: output pixel p takes the source at centre + M^-1 (p - centre),
 * bilinearly interpolated. `inverse` is M^-1 as [a, b, c, d]: source dx = a*dx + b*dy, source dy = c*dx + d*dy.
 */
export function warpAffine(image: Float32Array, inverse: [number, number, number, number], size = MNIST_SIZE): Float32Array {
  const [a, b, c, d] = inverse;
  const centre = size / 2;
  const out = new Float32Array(size * size);
  const at = (x: number, y: number) => (x < 0 || y < 0 || x >= size || y >= size ? 0 : image[y * size + x]);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      // pixel centres in continuous coordinates, then back to sample indices (centre of pixel i is i + 0.5)
      const dx = x + 0.5 - centre;
      const dy = y + 0.5 - centre;
      const sx = centre + a * dx + b * dy - 0.5;
      const sy = centre + c * dx + d * dy - 0.5;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      out[y * size + x] =
        (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) + fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
    }
  }
  return out;
}

/** Slants the digit: a point `dy` pixels below the centre moves `shear * dy` pixels left (positive shear leans right, like italics). */
export function shear(image: Float32Array, amount: number, size = MNIST_SIZE): Float32Array {
  // forward: x' = x - amount * y, so the source of x' is x' + amount * y
  return warpAffine(image, [1, amount, 0, 1], size);
}

/** Rotates the digit by `degrees` about the image centre, clockwise on screen for positive angles (y grows down). */
export function rotate(image: Float32Array, degrees: number, size = MNIST_SIZE): Float32Array {
  const t = (degrees * Math.PI) / 180;
  const cos = Math.cos(t);
  const sin = Math.sin(t);
  return warpAffine(image, [cos, sin, -sin, cos], size);
}

/**
 * The digit pasted at (`x`, `y`) of a larger empty canvas, off-centre: an InkMap for `toMnistImage` to re-centre,
 * the way a digit drawn in a corner of the pad reaches the model.
 */
export function pasteOffCentre(image: Float32Array, canvas: number, x: number, y: number, size = MNIST_SIZE): InkMap {
  const data = new Float32Array(canvas * canvas);
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      const cx = x + col;
      const cy = y + row;
      if (cx >= 0 && cy >= 0 && cx < canvas && cy < canvas) data[cy * canvas + cx] = image[row * size + col];
    }
  }
  return { width: canvas, height: canvas, data };
}

/** Applies `transform` to each of `count` 28x28 images, giving a new (count, 28, 28) array. */
function mapImages(images: Float32Array, count: number, transform: (image: Float32Array, index: number) => Float32Array): Float32Array {
  const out = new Float32Array(count * PIXELS);
  for (let i = 0; i < count; i++) out.set(transform(images.subarray(i * PIXELS, (i + 1) * PIXELS), i), i * PIXELS);
  return out;
}

/** Sets made from MNIST test digits: bolder, thinner, slanted, rotated, shifted and re-centred. */
export function mnistVariantSets(images: Float32Array, labels: ArrayLike<number>, count: number, seed = 1): RobustnessSet[] {
  if (images.length < count * PIXELS || labels.length < count) throw new RangeError(`expected ${count} images and labels`);
  const labelCopy = Uint8Array.from({ length: count }, (_, i) => labels[i]);
  const random = seededRandom(seed);
  const sign = () => (random() < 0.5 ? -1 : 1);
  const between = (lo: number, hi: number) => lo + (hi - lo) * random();
  const set = (name: string, description: string, out: Float32Array): RobustnessSet => ({ name, description, images: out, labels: labelCopy, count });
  // Each transform draws its own random numbers in order, so one set's parameters do not depend on another's.
  const shears = Array.from({ length: count }, () => sign() * between(0.3, 0.45));
  const angles = Array.from({ length: count }, () => sign() * between(15, 20));
  const canvas = 64;
  const offsets = Array.from({ length: count }, () => [Math.floor(random() * (canvas - MNIST_SIZE + 1)), Math.floor(random() * (canvas - MNIST_SIZE + 1))]);
  return [
    set('bolder', 'strokes dilated ~2 px (grey-level max over a plus-shaped 3x3)', mapImages(images, count, (image) => dilate(image))),
    set('thinner', 'strokes eroded ~2 px (grey-level min over a plus-shaped 3x3)', mapImages(images, count, (image) => erode(image))),
    set('slanted', 'sheared left or right by 0.30-0.45 (17-24 degrees of slant)', mapImages(images, count, (image, i) => shear(image, shears[i]))),
    set('rotated', 'rotated 15-20 degrees either way', mapImages(images, count, (image, i) => rotate(image, angles[i]))),
    set(
      'shifted + re-centred',
      `placed at a random spot of a ${canvas}x${canvas} canvas, then re-centred by toMnistImage`,
      mapImages(images, count, (image, i) => toMnistImage(pasteOffCentre(image, canvas, offsets[i][0], offsets[i][1]))),
    ),
  ];
}

export interface PenStrokeOptions {
  seed?: number;
  copies?: number; // jittered copies of each template at each size and pen width
  sizes?: number[]; // digit height in canvas pixels
  penWidths?: number[]; // pen diameter as a fraction of the digit height
}

/**
 * Digits we draw ourselves: every stroke template (several styles per digit), jittered like another hand,
 * rendered at several sizes and pen widths, and preprocessed by toMnistImage, the way the drawing pad does.
 */
export function penStrokeSet(options: PenStrokeOptions = {}): RobustnessSet {
  const random = seededRandom(options.seed ?? 2);
  const copies = options.copies ?? 3;
  const sizes = options.sizes ?? [32, 96, 240];
  const penWidths = options.penWidths ?? [0.05, 0.1, 0.16];
  const images: Float32Array[] = [];
  const labels: number[] = [];
  for (const template of allDigitStrokes()) {
    for (const size of sizes) {
      for (const pen of penWidths) {
        for (let copy = 0; copy < copies; copy++) {
          images.push(drawTemplateDigit(template.strokes, random, { size, pen, jitter: 1 }));
          labels.push(template.digit);
        }
      }
    }
  }
  const all = new Float32Array(images.length * PIXELS);
  images.forEach((image, i) => all.set(image, i * PIXELS));
  return {
    name: 'pen strokes',
    description: `our stroke templates, jittered, drawn ${sizes.join('/')} px tall with pens ${penWidths.map((p) => `${Math.round(p * 100)}%`).join('/')} of that, through toMnistImage`,
    images: all,
    labels: Uint8Array.from(labels),
    count: labels.length,
  };
}

/** Accuracy of `score` on each set, scoring in batches of `batchSize` images. */
export async function robustnessRows(score: ScoreImages, sets: RobustnessSet[], batchSize = 500): Promise<RobustnessRow[]> {
  const rows: RobustnessRow[] = [];
  for (const set of sets) {
    let correct = 0;
    for (let start = 0; start < set.count; start += batchSize) {
      const count = Math.min(batchSize, set.count - start);
      const scores = await score(set.images.subarray(start * PIXELS, (start + count) * PIXELS), count);
      const predicted = argmaxRows(scores, DIGIT_CLASSES);
      for (let i = 0; i < count; i++) if (predicted[i] === set.labels[start + i]) correct++;
    }
    rows.push({ name: set.name, description: set.description, n: set.count, accuracy: set.count === 0 ? 0 : correct / set.count });
  }
  return rows;
}
