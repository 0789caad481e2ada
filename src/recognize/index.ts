// Image in, digits out: the one recognition path shared by the CLI, the server and the web page.
// findInk -> segmentDigits -> toMnistImage per digit -> one batched classifier call -> a Reading.
import type { RgbaImage, InkMap, Box } from '../vision/index.ts';
import { findInk, segmentDigits, preprocessDigit, MNIST_SIZE, type FindInkOptions, type MnistOptions } from '../vision/index.ts';
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

/** The digits in a picture, left to right, with boxes in its pixels. */
export async function recognize(image: RgbaImage, classifier: DigitClassifier, options: RecognizeOptions = {}): Promise<Reading> {
  return (await recognizeDetailed(findInk(image, options.ink), classifier, options)).reading;
}

/** The digits in an ink map (a drawing pad already gives one: no need to find ink in pixels). */
export async function recognizeInk(ink: InkMap, classifier: DigitClassifier, options: RecognizeOptions = {}): Promise<Reading> {
  return (await recognizeDetailed(ink, classifier, options)).reading;
}

/** `recognizeInk` that also gives the 28x28 images the classifier saw. */
export async function recognizeDetailed(ink: InkMap, classifier: DigitClassifier, options: RecognizeOptions = {}): Promise<DetailedReading> {
  const pieces = options.singleDigit ? wholeInk(ink) : segmentDigits(ink);
  const digits = pieces.map((piece) => ({ box: piece.box, digit: preprocessDigit(piece.ink, options.mnist) })).filter((d) => !d.digit.empty);
  if (digits.length === 0) return { reading: { digits: '', confidence: 1, items: [] }, images: [] };

  const batch = new Float32Array(digits.length * PIXELS); // (count, 28, 28)
  digits.forEach((d, k) => batch.set(d.digit.image, k * PIXELS));
  const probabilities = await classifier.classify(batch, digits.length); // (count, 10)

  const items: DigitReading[] = digits.map((d, k) => {
    const p = Array.from(probabilities.subarray(k * 10, k * 10 + 10));
    const digit = argmax(p);
    return { digit, confidence: p[digit], box: d.box, probabilities: p };
  });
  const reading: Reading = {
    digits: items.map((item) => item.digit).join(''),
    confidence: items.reduce((product, item) => product * item.confidence, 1),
    items,
  };
  return { reading, images: digits.map((d) => d.digit.image) };
}

function wholeInk(ink: InkMap): { box: Box; ink: InkMap }[] {
  return [{ box: [0, 0, ink.width, ink.height], ink }];
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
