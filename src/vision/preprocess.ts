// MNIST-style preprocessing, the one definition (see DESIGN.md): crop the ink, give its strokes MNIST's
// thickness, shrink it into a 20x20 box keeping its aspect ratio (area averaging, so edges are grey), and place
// it in 28x28 with its centre of mass at the centre. White ink on black, 0..1, like the model's training data.
import type { InkMap, Box } from './types.ts';
import { resampleInk } from './resample.ts';
import { squaredDistanceTo } from './distance.ts';
import { scratchArray } from './scratch.ts';

export const MNIST_SIZE = 28;
export const MNIST_BOX = 20; // the long side of the digit inside the 28x28 image

export interface MnistOptions {
  /**
   * Pen width the strokes get, in pixels of the 28x28 image; MNIST's digits are about 2-3 px. Default 2.7,
   * which gives rendered pen digits about the mean ink mass of MNIST's test digits (about 104 of 784).
   */
  strokeWidth?: number;
  /** Re-draw strokes at `strokeWidth` whatever their width in the input. Default true. */
  normalizeStroke?: boolean;
  /** Ink below this counts as background when finding the digit's bounding box. Default 0.1. */
  threshold?: number;
}

export interface MnistDigit {
  image: Float32Array; // (28, 28), 0..1, white ink on black; all zeros when `empty`
  empty: boolean; // no ink at all: callers should not classify it
  box: Box; // the ink's bounding box in the input, in its pixels ([0, 0, 0, 0] when empty)
  strokeWidth: number; // estimated pen width of the input, in its pixels (0 when empty)
  redrawn: boolean; // whether its strokes were redrawn at `strokeWidth` (false when left as written)
}

// The digit is re-drawn at this resolution (long side of its box, in working pixels) before the final shrink,
// which bounds the cost whatever the input size and leaves room for stroke widths in whole pixels.
const WORK_SIZE = 64;
const WORK_MARGIN = 8; // working pixels around the box, room for strokes to thicken

/**
 * The 28x28 MNIST-style image of the digit drawn in `ink`. Empty ink (nothing above the threshold) gives all
 * zeros rather than an error; use `preprocessDigit` to tell that case apart.
 */
export function toMnistImage(ink: InkMap, options?: MnistOptions): Float32Array {
  return preprocessDigit(ink, options).image;
}

/** `toMnistImage` with what it found on the way: whether the ink was empty, its box and its stroke width. */
export function preprocessDigit(ink: InkMap, options: MnistOptions = {}): MnistDigit {
  const strokeWidth = options.strokeWidth ?? 2.7;
  const threshold = options.threshold ?? 0.1;
  const box = inkBounds(ink, threshold);
  if (!box) return EMPTY_DIGIT();

  // 1. Crop the box (plus a margin) to the working resolution: `scale` working pixels per input pixel.
  const [bx, by, bw, bh] = box;
  const scale = WORK_SIZE / Math.max(bw, bh);
  const workW = Math.ceil(bw * scale) + 2 * WORK_MARGIN;
  const workH = Math.ceil(bh * scale) + 2 * WORK_MARGIN;
  let work = resampleInk(ink, bx - WORK_MARGIN / scale, by - WORK_MARGIN / scale, scale, workW, workH, 'preprocess.work');

  // 2. Thicken or thin the strokes so that, once the box is shrunk to 20 px, they are `strokeWidth` px wide.
  let inputStroke = 0;
  const written = work;
  if (options.normalizeStroke ?? true) {
    const redrawn = redrawStrokes(work, strokeWidth);
    inputStroke = redrawn.strokeWidth / scale;
    work = redrawn.ink;
  } else {
    inputStroke = estimateStrokeWidth(inkMask(work)) / scale;
  }

  // 3. Shrink the new box to fit 20x20 and centre the centre of mass at (14, 14) of the 28x28 image.
  const workBox = inkBounds(work, 0.02);
  if (!workBox) return EMPTY_DIGIT();
  const fit = MNIST_BOX / Math.max(workBox[2], workBox[3]); // output pixels per working pixel
  const [cx, cy] = centerOfMass(work);
  const half = MNIST_SIZE / 2 / fit;
  const image = resampleInk(work, cx - half, cy - half, fit, MNIST_SIZE, MNIST_SIZE).data;
  return { image, empty: false, box, strokeWidth: inputStroke, redrawn: work !== written };
}

const EMPTY_DIGIT = (): MnistDigit => ({ image: new Float32Array(MNIST_SIZE * MNIST_SIZE), empty: true, box: [0, 0, 0, 0], strokeWidth: 0, redrawn: false });

/**
 * The smallest box holding every pixel with ink above `threshold`, widened to whole pixels; null when none.
 * Coordinates are those of pixel edges: a single ink pixel at (3, 5) gives [3, 5, 1, 1].
 */
export function inkBounds(ink: InkMap, threshold = 0.1): Box | null {
  const { width, height, data } = ink;
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (data[row + x] > threshold) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        y1 = y;
      }
    }
  }
  return x1 < 0 ? null : [x0, y0, x1 - x0 + 1, y1 - y0 + 1];
}

/** The ink-weighted mean position, in continuous coordinates (pixel i spans [i, i+1), its centre is i + 0.5). */
export function centerOfMass(ink: InkMap): [x: number, y: number] {
  const { width, height, data } = ink;
  let mass = 0;
  let sx = 0;
  let sy = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = data[y * width + x];
      mass += v;
      sx += v * (x + 0.5);
      sy += v * (y + 0.5);
    }
  }
  return mass > 0 ? [sx / mass, sy / mass] : [width / 2, height / 2];
}

// Which pixels are ink: above half the brightest ink, so faint pencil and thin anti-aliased lines still count.
function inkMask(ink: InkMap): Mask {
  let max = 0;
  for (let i = 0; i < ink.data.length; i++) if (ink.data[i] > max) max = ink.data[i];
  const mask = scratchArray('preprocess.mask', Uint8Array, ink.data.length);
  const cut = max * 0.5;
  for (let i = 0; i < mask.length; i++) mask[i] = ink.data[i] > cut ? 1 : 0;
  return maskWithWidth(mask, ink.width);
}

interface Mask extends Uint8Array {
  maskWidth: number;
}
function maskWithWidth(mask: Uint8Array, width: number): Mask {
  return Object.assign(mask, { maskWidth: width });
}

/**
 * Pen width of a binary drawing, in its pixels: a stroke of width w and length L has area wL and outline about
 * 2L, so w ~ 2 * area / outline. The outline is counted on pixel edges, which overcounts slanted and curved
 * edges (a staircase); the factor corrects for that on average over directions.
 */
function estimateStrokeWidth(mask: Mask): number {
  const width = mask.maskWidth;
  const height = mask.length / width;
  let area = 0;
  let edges = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (!mask[i]) continue;
      area++;
      if (x === 0 || !mask[i - 1]) edges++;
      if (x === width - 1 || !mask[i + 1]) edges++;
      if (y === 0 || !mask[i - width]) edges++;
      if (y === height - 1 || !mask[i + width]) edges++;
    }
  }
  return edges > 0 ? (2 * area) / (edges * OUTLINE_PER_EDGE) : 0;
}
const OUTLINE_PER_EDGE = 0.85; // true outline length per counted pixel edge, averaged over stroke directions

/**
 * Grows or shrinks the ink's outline by the same distance everywhere (through the distance transform, so round
 * pens stay round) until the strokes will measure `targetWidth` px once the box is shrunk to 20 px.
 */
const KEEP_STROKES = [0.75, 1.3]; // strokes within these fractions of the target width are kept
function redrawStrokes(work: InkMap, targetWidth: number): { ink: InkMap; strokeWidth: number } {
  const { width, height } = work;
  const mask = inkMask(work);
  const stroke = estimateStrokeWidth(mask);
  const long = Math.max(...(inkBounds(work, 0.02) ?? [0, 0, 1, 1]).slice(2));
  // Strokes already about as thick as MNIST's (a scanned pen, an MNIST digit itself) are left as they are:
  // redrawing them closes the narrow gaps that tell a 4 from a 9 and a 7 from a 9.
  const asIs = (stroke * MNIST_BOX) / long; // their width once the box is shrunk to 20 px
  if (asIs >= KEEP_STROKES[0] * targetWidth && asIs <= KEEP_STROKES[1] * targetWidth) return { ink: work, strokeWidth: stroke };
  // Growing the outline by `grow` adds 2*grow to both the stroke and the box, and the box is then shrunk to 20:
  // (stroke + 2 grow) * 20 / (long + 2 grow) = target  =>  grow = (target*long/20 - stroke) / (2 (1 - target/20))
  let grow = (targetWidth * long) / MNIST_BOX - stroke;
  grow /= 2 * (1 - targetWidth / MNIST_BOX);
  grow = Math.min(WORK_MARGIN - 1, Math.max(grow, 1 - stroke / 2)); // never erase a stroke, never leave the margin

  const outside = squaredDistanceTo(mask, width, height, 'preprocess.outside'); // to the nearest ink pixel
  // An ink pixel is at least 1 px from the background, so when the outline grows every ink pixel stays full
  // ink (coverage = grow + its distance >= 1): only thinning needs the distance to the background.
  const inside = grow >= 0 ? null : squaredDistanceTo(inverted(mask), width, height, 'preprocess.inside');
  const out = scratchArray('preprocess.redrawn', Float32Array, width * height);
  for (let i = 0; i < out.length; i++) {
    if (mask[i] && !inside) {
      out[i] = 1;
      continue;
    }
    // signed distance from the pixel centre to the outline, positive outside; the outline lies halfway
    // between an ink pixel and a background pixel
    const signed = mask[i] ? 0.5 - Math.sqrt(inside![i]) : Math.sqrt(outside[i]) - 0.5;
    const coverage = 0.5 + grow - signed;
    out[i] = coverage <= 0 ? 0 : coverage >= 1 ? 1 : coverage;
  }
  return { ink: { width, height, data: out }, strokeWidth: stroke };
}

function inverted(mask: Uint8Array): Uint8Array {
  const out = scratchArray('preprocess.inverted', Uint8Array, mask.length);
  for (let i = 0; i < mask.length; i++) out[i] = mask[i] ? 0 : 1;
  return out;
}
