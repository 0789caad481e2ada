// What recognition answers, for the CLI (`--json`), the HTTP API and the web page alike.
import type { Box } from '../vision/types.ts';

export interface DigitReading {
  digit: number; // 0-9, the most probable class
  confidence: number; // calibrated probability of `digit`, 0-1
  box: Box; // where the digit is in the input image, in its pixels
  probabilities: number[]; // 10 calibrated probabilities, summing to 1
}

export interface Reading {
  digits: string; // the digits left to right, e.g. "2026"; "" when no digit was found
  confidence: number; // probability that the whole string is right: the product of the items' confidences (1 when empty)
  items: DigitReading[];
}

/**
 * Anything that turns MNIST-style 28x28 images into digit probabilities: the model part provides one,
 * tests can provide a fake. `images` is (count, 28, 28), 0 = background to 1 = full ink (white on black);
 * the answer is (count, 10) calibrated probabilities.
 */
export interface DigitClassifier {
  classify(images: Float32Array, count: number): Promise<Float32Array>;
  /**
   * `classify` plus, per image, how strongly it looks like a digit at all (see `Classified`). Optional: a
   * classifier without it (a fake, a model saved without a logit scale) reads as before, on confidence alone.
   */
  classifyWithEvidence?(images: Float32Array, count: number): Promise<Classified>;
  /**
   * A segmentation verifier's word (see src/train/verifier.ts), (count, VERDICT_SIZE): per image the
   * probabilities that it is one whole digit 0-9, then (the last) that it is not one whole digit but a piece of
   * one or two read as one. Optional: without it a line is cut on the classifier's readings alone.
   */
  verify?(images: Float32Array, count: number): Promise<Float32Array>;
}

export interface Classified {
  probabilities: Float32Array; // (count, 10), as `classify` gives
  /**
   * (count): the model's largest logit over the median of that figure on its validation digits; null when the
   * model has no such scale. Softmax confidence says which digit an image is most like, but two touching digits
   * read as one can be 100% "a 4"; how loud the winning logit is tells a digit from something that is not one.
   */
  evidence: Float32Array | null;
}

/** Values per image in a verifier's answer: ten digits, then "not one whole digit" (its last). */
export const VERDICT_SIZE = 11;
