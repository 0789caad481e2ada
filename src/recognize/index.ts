// Image in, digits out: the one recognition path shared by the CLI, the server and the web page.
// findInk -> segmentDigits -> toMnistImage per digit -> one batched classifier call -> a Reading.
import type { RgbaImage, InkMap, Box } from '../vision/index.ts';
import { findInk, segmentLine, preprocessDigit, inkBounds, shrinkImage, MNIST_SIZE } from '../vision/index.ts';
import type { FindInkOptions, MnistOptions, Segment, DigitInk } from '../vision/index.ts';
import type { DigitClassifier, DigitReading, Reading } from './types.ts';

export type { DigitClassifier, DigitReading, Reading } from './types.ts';

export interface RecognizeOptions {
  ink?: FindInkOptions;
  mnist?: MnistOptions;
  /** Read the whole ink as one digit instead of segmenting it (the single-digit pad). Default false. */
  singleDigit?: boolean;
}

/** A Reading plus the 28x28 images the classifier saw, e.g. for the page's "what the model sees" view. */
export interface DetailedReading {
  reading: Reading;
  images: Float32Array[]; // one (28, 28) image per item, 0..1 white on black
}

const PIXELS = MNIST_SIZE * MNIST_SIZE;

// Pictures above this many pixels are shrunk by a whole factor before finding ink (a 25 MP photo is read at
// ~2 MP): digits stay tens of pixels tall, and time and memory stay bounded.
const MAX_PIXELS = 2_500_000;

/** The digits in a picture, left to right, with boxes in its pixels. */
export async function recognize(image: RgbaImage, classifier: DigitClassifier, options: RecognizeOptions = {}): Promise<Reading> {
  const factor = Math.ceil(Math.sqrt((image.width * image.height) / MAX_PIXELS));
  const { reading } = await recognizeDetailed(findInk(shrinkImage(image, factor), options.ink), classifier, options);
  if (factor > 1) for (const item of reading.items) item.box = item.box.map((v) => v * factor) as Box;
  return reading;
}

/** The digits in an ink map (a drawing pad already gives one: no need to find ink in pixels). */
export async function recognizeInk(ink: InkMap, classifier: DigitClassifier, options: RecognizeOptions = {}): Promise<Reading> {
  return (await recognizeDetailed(ink, classifier, options)).reading;
}

/**
 * `recognizeInk` that also gives the 28x28 images the classifier saw. A blob the segmenter cut into several
 * digits (touching digits, or just a wide digit) is read both whole and cut, in the same batch, and the reading
 * with the higher joint confidence wins: shape alone cannot tell a wide 0 from two touching 1s, the model can.
 */
export async function recognizeDetailed(ink: InkMap, classifier: DigitClassifier, options: RecognizeOptions = {}): Promise<DetailedReading> {
  const segments: Segment[] = options.singleDigit ? wholeInk(ink) : segmentLine(ink);
  // every candidate digit image, whole blobs and their cuts alike, in one batch
  const candidates: { box: Box; image: Float32Array }[] = [];
  const add = (piece: DigitInk): number => {
    const digit = preprocessDigit(piece.ink, options.mnist);
    if (digit.empty) return -1;
    candidates.push({ box: piece.box, image: digit.image });
    return candidates.length - 1;
  };
  const plans = segments.map((segment) => {
    // No single digit is twice as wide as tall: read whole, a run of six touching digits came out a confident "4".
    const [, , width, height] = segment.whole.box;
    const whole = width <= 2 * height ? add(segment.whole) : -1;
    const parts = segment.parts.length > 1 ? segment.parts.map(add).filter((k) => k >= 0) : [];
    return { whole, parts };
  });
  if (candidates.length === 0) return { reading: { digits: '', confidence: 1, items: [] }, images: [] };

  const batch = new Float32Array(candidates.length * PIXELS); // (count, 28, 28)
  candidates.forEach((c, k) => batch.set(c.image, k * PIXELS));
  const probabilities = await classifier.classify(batch, candidates.length); // (count, 10)
  const readings: DigitReading[] = candidates.map((c, k) => {
    const p = Array.from(probabilities.subarray(k * 10, k * 10 + 10));
    const digit = argmax(p);
    return { digit, confidence: p[digit], box: c.box, probabilities: p };
  });

  const chosen: number[] = [];
  for (const plan of plans) {
    if (plan.parts.length > 1) {
      const cut = plan.parts.reduce((product, k) => product * readings[k].confidence, 1);
      const whole = plan.whole >= 0 ? readings[plan.whole].confidence : 0;
      if (cut > whole) {
        chosen.push(...plan.parts);
        continue;
      }
    }
    if (plan.whole >= 0) chosen.push(plan.whole);
  }
  const items = chosen.map((k) => readings[k]);
  const reading: Reading = {
    digits: items.map((item) => item.digit).join(''),
    confidence: items.reduce((product, item) => product * item.confidence, 1),
    items,
  };
  return { reading, images: chosen.map((k) => candidates[k].image) };
}

// The whole ink as one digit, boxed to where the ink is.
function wholeInk(ink: InkMap): Segment[] {
  const box = inkBounds(ink, 0.1);
  if (!box) return [];
  const piece = { box, ink };
  return [{ whole: piece, parts: [piece] }];
}

function argmax(values: number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

export interface Uncertainty {
  unsure: boolean;
  reason: 'empty' | 'too-small' | 'close-call' | 'low-confidence' | null;
  margin: number; // smallest gap between a digit's two most probable classes (1 when empty)
}

export interface UncertaintyOptions {
  minMargin?: number; // default 0.2: top-2 probabilities closer than this are a close call
  minConfidence?: number; // default 0.6
  minInkSide?: number; // default 8: a digit whose box's longer side is shorter, in input pixels, is a dot or a slip
}

/**
 * Whether the page should say "not sure" rather than a digit. The rule: nothing was read (empty); or some
 * digit's box is under `minInkSide` px on its longer side (a dot, too little ink to tell); or some digit's two
 * most probable classes are within `minMargin` of each other (a close call); or some digit's confidence is
 * below `minConfidence`. The first reason found is given.
 */
export function uncertainty(reading: Reading, options: UncertaintyOptions = {}): Uncertainty {
  const minMargin = options.minMargin ?? 0.2;
  const minConfidence = options.minConfidence ?? 0.6;
  const minInkSide = options.minInkSide ?? 8;
  if (reading.items.length === 0) return { unsure: true, reason: 'empty', margin: 1 };
  let margin = 1;
  for (const item of reading.items) {
    const sorted = [...item.probabilities].sort((a, b) => b - a);
    margin = Math.min(margin, sorted[0] - sorted[1]);
  }
  if (reading.items.some((item) => Math.max(item.box[2], item.box[3]) < minInkSide)) return { unsure: true, reason: 'too-small', margin };
  if (margin < minMargin) return { unsure: true, reason: 'close-call', margin };
  if (reading.items.some((item) => item.confidence < minConfidence)) return { unsure: true, reason: 'low-confidence', margin };
  return { unsure: false, reason: null, margin };
}

/** Shorthand for `uncertainty(reading).unsure`. */
export function isUnsure(reading: Reading, options?: UncertaintyOptions): boolean {
  return uncertainty(reading, options).unsure;
}
