import test from 'node:test';
import assert from 'node:assert/strict';
import {
  softmax,
  accuracy,
  crossEntropy,
  crossEntropyFromLogits,
  confusionMatrix,
  argmaxRows,
  perClassScores,
  reliabilityBins,
  expectedCalibrationError,
  mostConfidentMistakes,
  evaluateProbabilities,
} from '../../src/train/evaluate.ts';

// Four rows over three classes, confidences chosen away from bin edges so the binning is unambiguous:
// row 0: right at 0.75, row 1: wrong (says 1, is 2) at 0.65, row 2: right at 0.62, row 3: wrong (says 1, is 0) at 0.95.
const probabilities = new Float32Array([0.75, 0.15, 0.1, 0.1, 0.65, 0.25, 0.18, 0.2, 0.62, 0.03, 0.95, 0.02]);
const labels = [0, 2, 2, 0];
const classes = 3;

test('accuracy counts rows whose most probable class is the label', () => {
  assert.equal(accuracy(probabilities, labels, classes), 0.5);
});

test('cross-entropy is the mean of -log p(label)', () => {
  const expected = -(Math.log(0.75) + Math.log(0.25) + Math.log(0.62) + Math.log(0.03)) / 4;
  assert.ok(Math.abs(crossEntropy(probabilities, labels, classes) - expected) < 1e-6);
});

test('the confusion matrix has true classes as rows and predictions as columns', () => {
  const confusion = confusionMatrix(argmaxRows(probabilities, classes), labels, classes);
  assert.deepEqual(confusion, [
    [1, 1, 0],
    [0, 0, 0],
    [0, 1, 1],
  ]);
});

test('precision divides by predictions of a class, recall by its true rows', () => {
  const scores = perClassScores([
    [1, 1, 0],
    [0, 0, 0],
    [0, 1, 1],
  ]);
  assert.deepEqual(
    scores.map((s) => [s.precision, s.recall, s.support, s.predicted]),
    [
      [1, 0.5, 2, 1],
      [0, 0, 0, 2], // predicted twice, never right; no true rows
      [1, 0.5, 2, 1],
    ],
  );
});

test('ECE weights each bin gap |accuracy - confidence| by its share of rows', () => {
  // 10 bins: rows 1 and 2 share (0.6, 0.7] (accuracy 0.5, confidence 0.635), row 0 is alone in (0.7, 0.8],
  // row 3 alone in (0.9, 1]: ECE = 2/4*0.135 + 1/4*0.25 + 1/4*0.95.
  const expected = 0.5 * 0.135 + 0.25 * 0.25 + 0.25 * 0.95;
  assert.ok(Math.abs(expectedCalibrationError(probabilities, labels, 10, classes) - expected) < 1e-6);
  const bins = reliabilityBins(probabilities, labels, 10, classes);
  assert.deepEqual(
    bins.map((b) => b.count),
    [0, 0, 0, 0, 0, 0, 2, 1, 0, 1],
  );
  assert.ok(Math.abs(bins[6].confidence - 0.635) < 1e-6);
  assert.equal(bins[6].accuracy, 0.5);
});

test('a confidence exactly on a bin edge belongs to the lower bin, (lower, upper]', () => {
  const bins = reliabilityBins(new Float32Array([0.5, 0.5, 1, 0]), [0, 0], 2, 2);
  assert.deepEqual(
    bins.map((b) => b.count),
    [1, 1],
  );
});

test('the default ECE uses 15 bins', () => {
  assert.equal(reliabilityBins(probabilities, labels, undefined, classes).length, 15);
});

test('the most confident mistakes come first', () => {
  assert.deepEqual(
    mostConfidentMistakes(probabilities, labels, 5, classes).map((m) => [m.index, m.label, m.predicted]),
    [
      [3, 0, 1],
      [1, 2, 1],
    ],
  );
  assert.equal(mostConfidentMistakes(probabilities, labels, 1, classes).length, 1);
});

test('softmax turns log-probabilities back into probabilities, and a temperature divides the logits first', () => {
  const logits = new Float32Array([0, Math.log(2), Math.log(3)]);
  const p = softmax(logits, 3);
  [1 / 6, 2 / 6, 3 / 6].forEach((expected, c) => assert.ok(Math.abs(p[c] - expected) < 1e-6));
  const doubled = softmax(logits.map((z) => 2 * z), 3, 2);
  p.forEach((value, c) => assert.ok(Math.abs(doubled[c] - value) < 1e-6));
});

test('cross-entropy from logits matches cross-entropy of their softmax, without overflow on huge logits', () => {
  const logits = new Float32Array([2, -1, 0.5, 0.3, 0.1, 4]);
  const fromLogits = crossEntropyFromLogits(logits, [0, 1], 1, 3);
  const fromProbabilities = crossEntropy(softmax(logits, 3), [0, 1], 3);
  assert.ok(Math.abs(fromLogits - fromProbabilities) < 1e-6);
  const huge = crossEntropyFromLogits(new Float32Array([1000, 0, 0]), [1], 1, 3);
  assert.ok(Math.abs(huge - 1000) < 1e-3);
});

test('evaluateProbabilities gathers every figure and rejects labels that do not match the rows', () => {
  const evaluation = evaluateProbabilities(probabilities, labels, { classes, bins: 10 });
  assert.equal(evaluation.n, 4);
  assert.equal(evaluation.accuracy, 0.5);
  assert.equal(evaluation.mistakes.length, 2);
  assert.ok(Math.abs(evaluation.ece - expectedCalibrationError(probabilities, labels, 10, classes)) < 1e-12);
  assert.throws(() => evaluateProbabilities(probabilities, [0, 1, 2], { classes }), /expected 4 labels/);
  assert.throws(() => evaluateProbabilities(probabilities, [0, 1, 2, 7], { classes }), /label 3 is 7/);
});
