// Temperature scaling (Guo et al. 2017): one number T that divides the logits so that stated confidence
// matches accuracy. Fitted on held-out logits by minimising their cross-entropy; it never changes which class wins.
import { crossEntropyFromLogits, expectedCalibrationError, softmax, DIGIT_CLASSES } from './evaluate.ts';
import type { Labels } from './evaluate.ts';

export interface TemperatureFit {
  temperature: number; // divide logits by this; > 1 softens over-confident models
  nllBefore: number; // mean cross-entropy at T = 1, nats
  nllAfter: number; // at the fitted T
  eceBefore: number; // 0..1
  eceAfter: number;
}

// The search interval for T. Networks trained with cross-entropy land well inside it; a fit at an end
// means the logits are degenerate (e.g. all equal) and the end is as good as any other value.
const MIN_TEMPERATURE = 0.05;
const MAX_TEMPERATURE = 20;

/**
 * The temperature minimising the mean cross-entropy of softmax(logits / T) on (logits, labels).
 * NLL is convex in 1/T, so it is unimodal in log T and a golden-section search on log T finds its minimum.
 */
export function fitTemperature(logits: Float32Array, labels: Labels, classes = DIGIT_CLASSES): TemperatureFit {
  if (logits.length === 0) throw new RangeError('cannot fit a temperature on no examples');
  const nll = (logT: number) => crossEntropyFromLogits(logits, labels, Math.exp(logT), classes);
  const invPhi = (Math.sqrt(5) - 1) / 2;
  let lo = Math.log(MIN_TEMPERATURE);
  let hi = Math.log(MAX_TEMPERATURE);
  let a = hi - invPhi * (hi - lo);
  let b = lo + invPhi * (hi - lo);
  let fa = nll(a);
  let fb = nll(b);
  // 60 steps shrink the interval by 0.618^60 ≈ 3e-13: far below any difference that matters.
  for (let step = 0; step < 60 && hi - lo > 1e-7; step++) {
    if (fa < fb) {
      hi = b;
      b = a;
      fb = fa;
      a = hi - invPhi * (hi - lo);
      fa = nll(a);
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + invPhi * (hi - lo);
      fb = nll(b);
    }
  }
  const temperature = Math.exp((lo + hi) / 2);
  return {
    temperature,
    nllBefore: crossEntropyFromLogits(logits, labels, 1, classes),
    nllAfter: crossEntropyFromLogits(logits, labels, temperature, classes),
    eceBefore: expectedCalibrationError(softmax(logits, classes, 1), labels, undefined, classes),
    eceAfter: expectedCalibrationError(softmax(logits, classes, temperature), labels, undefined, classes),
  };
}
