// A model's logit scale: the median over held-out digits of each one's largest logit. Recognition measures a
// candidate digit's evidence in this unit (see candidateScore in src/recognize), so the same rule serves any
// trained model, whatever size its logits happen to grow to.
import { DIGIT_CLASSES } from './evaluate.ts';

/** The median (the upper one, for an even count) of each row's largest logit; logits are (n, classes). */
export function medianLargestLogit(logits: Float32Array, classes = DIGIT_CLASSES): number {
  const n = Math.floor(logits.length / classes);
  if (n === 0) throw new RangeError('cannot take a logit scale from no examples');
  const largest = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[i * classes + c]);
    largest[i] = max;
  }
  largest.sort();
  return largest[Math.floor(n / 2)];
}
