// A ready 28x28 MNIST-style digit (from JSON) read without the vision pipeline: it is already preprocessed.
import type { DigitClassifier, Reading } from '../recognize/types.ts';

/** `pixels` is 784 grey levels, row-major (28, 28), 0 = background to 255 = full ink. A blank image reads as no digit. */
export async function readMnistPixels(pixels: readonly number[], classifier: DigitClassifier): Promise<Reading> {
  const image = new Float32Array(28 * 28); // (1, 28, 28), 0-1
  let ink = 0;
  for (let i = 0; i < image.length; i++) {
    image[i] = pixels[i] / 255;
    ink += image[i];
  }
  if (ink === 0) return { digits: '', confidence: 1, items: [] };
  const probabilities = Array.from(await classifier.classify(image, 1));
  let digit = 0;
  for (let d = 1; d < 10; d++) if (probabilities[d] > probabilities[digit]) digit = d;
  const confidence = probabilities[digit];
  return {
    digits: String(digit),
    confidence,
    items: [{ digit, confidence, box: [0, 0, 28, 28], probabilities }],
  };
}
