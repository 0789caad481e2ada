// Evaluation math on a model's outputs: accuracy, cross-entropy, per-class precision and recall, the confusion
// matrix, expected calibration error with its reliability bins, and the most confident mistakes.
// Pure functions over flat arrays; `probabilities` and `logits` are (n, classes) row-major.

export const DIGIT_CLASSES = 10;
export const ECE_BINS = 15; // equal-width confidence bins, as in Guo et al. 2017 ("On Calibration of Modern Neural Networks")

export type Labels = ArrayLike<number>; // (n,) true class of each row, 0..classes-1

export { softmax } from '../model/index.ts'; // the classifier's own, so evaluation scores what it answers

/** The index of the largest value in each row (the first one on ties). */
export function argmaxRows(scores: Float32Array, classes = DIGIT_CLASSES): Int32Array {
  checkRows(scores, classes);
  const n = scores.length / classes;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (scores[i * classes + c] > scores[i * classes + best]) best = c;
    out[i] = best;
  }
  return out;
}

/** Fraction of rows whose most probable class is the label, 0..1. */
export function accuracy(probabilities: Float32Array, labels: Labels, classes = DIGIT_CLASSES): number {
  const predicted = argmaxRows(probabilities, classes);
  checkLabels(labels, predicted.length, classes);
  let correct = 0;
  for (let i = 0; i < predicted.length; i++) if (predicted[i] === labels[i]) correct++;
  return predicted.length === 0 ? 0 : correct / predicted.length;
}

// Probabilities are clamped here before the log, so one confident mistake costs at most -log(1e-12) ≈ 27.6 nats.
const MIN_PROBABILITY = 1e-12;

/** Mean cross-entropy, -log p(label), in nats. */
export function crossEntropy(probabilities: Float32Array, labels: Labels, classes = DIGIT_CLASSES): number {
  checkRows(probabilities, classes);
  const n = probabilities.length / classes;
  checkLabels(labels, n, classes);
  let total = 0;
  for (let i = 0; i < n; i++) total -= Math.log(Math.max(MIN_PROBABILITY, probabilities[i * classes + labels[i]]));
  return n === 0 ? 0 : total / n;
}

/** Mean cross-entropy of softmax(logits / temperature), computed with log-sum-exp (exact for any logits). */
export function crossEntropyFromLogits(logits: Float32Array, labels: Labels, temperature = 1, classes = DIGIT_CLASSES): number {
  checkRows(logits, classes);
  const n = logits.length / classes;
  checkLabels(labels, n, classes);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const row = i * classes;
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[row + c] / temperature);
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(logits[row + c] / temperature - max);
    total += max + Math.log(sum) - logits[row + labels[i]] / temperature;
  }
  return n === 0 ? 0 : total / n;
}

/** confusion[true][predicted] = how many rows of class `true` were read as `predicted`. */
export function confusionMatrix(predicted: ArrayLike<number>, labels: Labels, classes = DIGIT_CLASSES): number[][] {
  checkLabels(labels, predicted.length, classes);
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < predicted.length; i++) confusion[labels[i]][predicted[i]]++;
  return confusion;
}

export interface ClassScores {
  digit: number;
  precision: number; // of the rows predicted as `digit`, the fraction that were; 0 when none were predicted
  recall: number; // of the rows labelled `digit`, the fraction predicted as it; 0 when there were none
  support: number; // rows labelled `digit`
  predicted: number; // rows predicted as `digit`
}

/** Precision and recall of each class, from a confusion matrix (rows true, columns predicted). */
export function perClassScores(confusion: number[][]): ClassScores[] {
  return confusion.map((row, digit) => {
    const support = row.reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((sum, r) => sum + r[digit], 0);
    const hits = row[digit];
    return {
      digit,
      precision: predicted === 0 ? 0 : hits / predicted,
      recall: support === 0 ? 0 : hits / support,
      support,
      predicted,
    };
  });
}

export interface ReliabilityBin {
  lower: number; // confidences in (lower, upper]; the first bin also holds exactly 0
  upper: number;
  count: number;
  accuracy: number; // fraction correct among the bin's rows; 0 when empty
  confidence: number; // mean top-class probability of the bin's rows; 0 when empty
}

/** Rows grouped by top-class probability into `bins` equal-width bins over [0, 1]: a reliability diagram's data. */
export function reliabilityBins(probabilities: Float32Array, labels: Labels, bins = ECE_BINS, classes = DIGIT_CLASSES): ReliabilityBin[] {
  const predicted = argmaxRows(probabilities, classes);
  checkLabels(labels, predicted.length, classes);
  const count = new Array<number>(bins).fill(0);
  const correct = new Array<number>(bins).fill(0);
  const confidence = new Array<number>(bins).fill(0);
  for (let i = 0; i < predicted.length; i++) {
    const p = probabilities[i * classes + predicted[i]];
    // bin m holds ((m)/bins, (m+1)/bins]
    const b = Math.min(bins - 1, Math.max(0, Math.ceil(p * bins) - 1));
    count[b]++;
    confidence[b] += p;
    if (predicted[i] === labels[i]) correct[b]++;
  }
  return count.map((c, b) => ({
    lower: b / bins,
    upper: (b + 1) / bins,
    count: c,
    accuracy: c === 0 ? 0 : correct[b] / c,
    confidence: c === 0 ? 0 : confidence[b] / c,
  }));
}

/** ECE = sum over bins of (bin size / n) * |accuracy - mean confidence|, 0..1 (0 = perfectly calibrated). */
export function expectedCalibrationError(probabilities: Float32Array, labels: Labels, bins = ECE_BINS, classes = DIGIT_CLASSES): number {
  return eceOfBins(reliabilityBins(probabilities, labels, bins, classes));
}

/** ECE from already-computed reliability bins. */
export function eceOfBins(bins: ReliabilityBin[]): number {
  const n = bins.reduce((sum, b) => sum + b.count, 0);
  if (n === 0) return 0;
  return bins.reduce((sum, b) => sum + (b.count / n) * Math.abs(b.accuracy - b.confidence), 0);
}

export interface Mistake {
  index: number; // row in the evaluated set
  label: number;
  predicted: number;
  confidence: number; // probability given to `predicted`
}

/** The `limit` wrong rows whose wrong answer had the highest probability, most confident first (ties: lower index first). */
export function mostConfidentMistakes(probabilities: Float32Array, labels: Labels, limit: number, classes = DIGIT_CLASSES): Mistake[] {
  const predicted = argmaxRows(probabilities, classes);
  checkLabels(labels, predicted.length, classes);
  const mistakes: Mistake[] = [];
  for (let i = 0; i < predicted.length; i++) {
    if (predicted[i] !== labels[i]) {
      mistakes.push({ index: i, label: labels[i], predicted: predicted[i], confidence: probabilities[i * classes + predicted[i]] });
    }
  }
  mistakes.sort((a, b) => b.confidence - a.confidence || a.index - b.index);
  return mistakes.slice(0, Math.max(0, limit));
}

export interface Evaluation {
  n: number;
  accuracy: number; // 0..1
  loss: number; // mean cross-entropy, nats
  ece: number; // 0..1, ECE_BINS bins
  confusion: number[][]; // (classes, classes), rows true, columns predicted
  perClass: ClassScores[];
  reliability: ReliabilityBin[];
  mistakes: Mistake[];
}

/** Every figure above for one set of probabilities and labels. */
export function evaluateProbabilities(
  probabilities: Float32Array,
  labels: Labels,
  options: { mistakes?: number; bins?: number; classes?: number } = {},
): Evaluation {
  const classes = options.classes ?? DIGIT_CLASSES;
  const predicted = argmaxRows(probabilities, classes);
  checkLabels(labels, predicted.length, classes);
  const confusion = confusionMatrix(predicted, labels, classes);
  const reliability = reliabilityBins(probabilities, labels, options.bins ?? ECE_BINS, classes);
  return {
    n: predicted.length,
    accuracy: accuracy(probabilities, labels, classes),
    loss: crossEntropy(probabilities, labels, classes),
    ece: eceOfBins(reliability),
    confusion,
    perClass: perClassScores(confusion),
    reliability,
    mistakes: mostConfidentMistakes(probabilities, labels, options.mistakes ?? 24, classes),
  };
}

function checkRows(values: Float32Array, classes: number): void {
  if (!Number.isInteger(classes) || classes < 1) throw new RangeError(`classes must be a positive integer, got ${classes}`);
  if (values.length % classes !== 0) throw new RangeError(`expected rows of ${classes} values, got ${values.length} values`);
}

function checkLabels(labels: Labels, n: number, classes: number): void {
  if (labels.length !== n) throw new RangeError(`expected ${n} labels (one per row), got ${labels.length}`);
  for (let i = 0; i < n; i++) {
    const label = labels[i];
    if (!Number.isInteger(label) || label < 0 || label >= classes) {
      throw new RangeError(`label ${i} is ${label}, not a class 0-${classes - 1}`);
    }
  }
}
