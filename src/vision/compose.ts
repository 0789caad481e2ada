// Multi-digit numbers made from single-digit images (MNIST's, or rendered strokes): a seeded generator of
// handwritten-looking numbers with random size, baseline and spacing, touching or not, for benchmarks and tests.
import type { InkMap, Box, RgbaImage } from './types.ts';
import { inkBounds } from './preprocess.ts';
import { resampleInk } from './resample.ts';

export interface ComposeOptions {
  digitHeight?: number; // typical digit height in pixels, default 48
  sizeJitter?: number; // each digit's height varies by up to this fraction, default 0.15
  baselineJitter?: number; // and its vertical position by up to this fraction of the height, default 0.08
  /** Digits touch their left neighbour (ink overlaps by 1-3 px). Default false: at least 1 px of paper between
   *  inks, though boxes may overlap (a 7's bar over the next digit). */
  touching?: boolean;
  margin?: number; // paper around the number, in pixels, default half the digit height
}

export interface ComposedNumber {
  ink: InkMap;
  boxes: Box[]; // each digit's ink box on the page, left to right
}

const INK = 0.3; // what counts as ink when checking that digits touch or not

/** Writes the digit images (each an InkMap, e.g. a 28x28 MNIST digit) side by side on one page. */
export function composeNumber(digits: InkMap[], rng: () => number, options: ComposeOptions = {}): ComposedNumber {
  const height = options.digitHeight ?? 48;
  const sizeJitter = options.sizeJitter ?? 0.15;
  const baselineJitter = options.baselineJitter ?? 0.08;
  const margin = Math.round(options.margin ?? height / 2);
  const between = (lo: number, hi: number) => lo + (hi - lo) * rng();

  // Scale each digit's ink box to its own random height.
  const scaled = digits.map((digit) => {
    const box = inkBounds(digit, 0.05) ?? [0, 0, digit.width, digit.height];
    const h = Math.max(4, Math.round(height * (1 + between(-sizeJitter, sizeJitter))));
    const scale = h / box[3];
    const w = Math.max(1, Math.round(box[2] * scale));
    return resampleInk(digit, box[0], box[1], scale, w, h);
  });

  // Place left to right. rightmost[y] is the page's rightmost ink column in row y so far (-Infinity: none).
  const pageHeight = Math.round(height * (1 + sizeJitter + 2 * baselineJitter)) + 2 * margin;
  const placed: { x: number; y: number; ink: InkMap }[] = [];
  const rightmost = new Float64Array(pageHeight).fill(-Infinity);
  let right = margin; // right edge of the previous box
  for (const ink of scaled) {
    const y = Math.round((pageHeight - ink.height) / 2 + between(-baselineJitter, baselineJitter) * height);
    // the smallest x at which no ink of this digit touches the page's ink (8-neighbourhood)
    let clear = -Infinity;
    for (let row = 0; row < ink.height; row++) {
      let left = -1;
      for (let x = 0; x < ink.width; x++) {
        if (ink.data[row * ink.width + x] > INK) {
          left = x;
          break;
        }
      }
      if (left < 0) continue;
      for (let dy = -1; dy <= 1; dy++) {
        const r = rightmost[y + row + dy];
        if (r !== undefined && r > -Infinity) clear = Math.max(clear, r - left + 2);
      }
    }
    let x: number;
    if (placed.length === 0) x = margin;
    else if (options.touching) x = Math.round(clear - 1 - Math.floor(between(0, 3)));
    else x = Math.max(Math.ceil(clear), Math.round(right + between(-0.15, 0.35) * height));
    x = Math.max(0, x);
    placed.push({ x, y, ink });
    right = x + ink.width;
    for (let row = 0; row < ink.height; row++) {
      for (let col = ink.width - 1; col >= 0; col--) {
        if (ink.data[row * ink.width + col] > INK) {
          rightmost[y + row] = Math.max(rightmost[y + row], x + col);
          break;
        }
      }
    }
  }

  const width = Math.max(...placed.map((p) => p.x + p.ink.width)) + margin;
  const page: InkMap = { width, height: pageHeight, data: new Float32Array(width * pageHeight) };
  const boxes: Box[] = [];
  for (const { x, y, ink } of placed) {
    for (let row = 0; row < ink.height; row++) {
      for (let col = 0; col < ink.width; col++) {
        const i = (y + row) * width + x + col;
        page.data[i] = Math.max(page.data[i], ink.data[row * ink.width + col]);
      }
    }
    boxes.push([x, y, ink.width, ink.height]);
  }
  return { ink: page, boxes };
}

/** Dark ink on white paper: what a clean scan of the ink gives. */
export function scanOf(ink: InkMap): RgbaImage {
  const data = new Uint8ClampedArray(ink.width * ink.height * 4);
  for (let i = 0; i < ink.data.length; i++) {
    const v = 255 * (1 - ink.data[i]);
    data[i * 4] = data[i * 4 + 1] = data[i * 4 + 2] = v;
    data[i * 4 + 3] = 255;
  }
  return { width: ink.width, height: ink.height, data };
}
