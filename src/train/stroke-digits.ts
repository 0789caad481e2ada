// Extra training digits drawn from our pen-stroke templates: the shapes people draw that MNIST has few of
// (flagged and footed 1s, crossed 7s, closed 4s, open-tailed 9s), jittered like another hand, at random
// sizes and pen widths, and put through toMnistImage exactly as the drawing pad's ink is.
// The robustness row 'pen strokes' in `digits eval` uses the same templates with another seed, so that row
// measures jitter, size and pen generalisation, not unseen shapes.
import { allDigitStrokes, jitterStrokes, renderStrokes, seededRandom, toMnistImage } from '../vision/index.ts';
import type { Strokes } from '../vision/index.ts';

const PIXELS = 28 * 28;

/** `count` digits (count,28,28) in 0..1 with their labels, the same for the same seed. */
export function strokeDigits(count: number, seed: number): { images: Float32Array; labels: Uint8Array } {
  const templates = allDigitStrokes();
  const random = seededRandom(seed);
  const images = new Float32Array(count * PIXELS);
  const labels = new Uint8Array(count);
  // Spread the digits evenly over 0-9; within a digit, pick its templates (styles) at random.
  const byDigit = Array.from({ length: 10 }, (_, digit) => templates.filter((t) => t.digit === digit));
  for (let i = 0; i < count; i++) {
    const digit = i % 10;
    const choices = byDigit[digit];
    const template = choices[Math.floor(random() * choices.length)];
    const size = 24 + random() * 200; // digit height in pad pixels
    const pen = 0.04 + random() * 0.14; // pen diameter as a fraction of the height
    images.set(drawTemplateDigit(template.strokes, random, { size, pen, jitter: 0.6 + random() * 0.8 }), i * PIXELS);
    labels[i] = digit;
  }
  return { images, labels };
}

/**
 * One template drawn as a person might: jittered by `jitter`, `size` px tall with a pen `pen` of that, on a
 * canvas with a quarter-size margin, then through toMnistImage as the drawing pad's ink is. (28,28) in 0..1.
 */
export function drawTemplateDigit(strokes: Strokes, random: () => number, { size, pen, jitter }: { size: number; pen: number; jitter: number }): Float32Array {
  const margin = Math.ceil(size * 0.25);
  const canvas = Math.ceil(size + 2 * margin);
  const ink = renderStrokes(jitterStrokes(strokes, random, jitter), { width: canvas, height: canvas, box: [margin, margin, size, size], thickness: Math.max(1, pen * size) });
  return toMnistImage(ink);
}
