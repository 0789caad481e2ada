import test from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { sequential, layers } from '@tensorflow/tfjs-layers';
import { runEvaluation } from '../../src/train/evaluate-run.ts';
import type { LabelledImages } from '../../src/train/evaluate-run.ts';
import { modelLogits, outputsProbabilities } from '../../src/train/evaluate-model.ts';

await tf.setBackend('cpu');

/**
 * A stand-in model that reads digit k from ink in rows 2k+4..2k+5: a dense layer whose class-k weights are
 * `gain` on those rows. `softmax` chooses whether it outputs probabilities or logits.
 */
function bandModel(gain: number, softmax: boolean) {
  const model = sequential({ layers: [layers.flatten({ inputShape: [28, 28, 1] }), layers.dense({ units: 10, activation: softmax ? 'softmax' : 'linear' })] });
  const weights = new Float32Array(784 * 10);
  for (let k = 0; k < 10; k++) for (let row = 2 * k + 4; row < 2 * k + 6; row++) for (let x = 0; x < 28; x++) weights[(row * 28 + x) * 10 + k] = gain;
  model.setWeights([tf.tensor2d(weights, [784, 10]), tf.zeros([10])]);
  return model;
}

/** Images with a faint band for their digit; every 10th is labelled one more than its band shows (a mistake). */
function bandImages(count: number): LabelledImages {
  const images = new Float32Array(count * 784);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const band = (i * 7) % 10;
    for (let x = 4; x < 24; x++) images[i * 784 + (2 * band + 4) * 28 + x] = 0.05 + 0.002 * (i % 13);
    labels[i] = i % 10 === 0 ? (band + 1) % 10 : band;
  }
  return { images, labels, count, source: 'band images' };
}

test('a softmax model and the same model without softmax give the same logits up to a constant per row', async () => {
  const images = bandImages(20);
  assert.equal(outputsProbabilities(bandModel(1, true)), true);
  assert.equal(outputsProbabilities(bandModel(1, false)), false);
  const fromProbabilities = await modelLogits(bandModel(1, true), images.images, 20, { batchSize: 7 });
  const fromLogits = await modelLogits(bandModel(1, false), images.images, 20, { batchSize: 7 });
  for (let i = 0; i < 20; i++) {
    const shift = fromLogits[i * 10] - fromProbabilities[i * 10];
    for (let c = 0; c < 10; c++) assert.ok(Math.abs(fromLogits[i * 10 + c] - fromProbabilities[i * 10 + c] - shift) < 1e-3);
  }
});

test('an evaluation run measures accuracy and fits the temperature on the validation split when the model has none', async () => {
  const test = bandImages(200);
  const validation = { ...bandImages(300), source: 'validation images' };
  const run = await runEvaluation({ model: bandModel(20, false), test, validation: async () => validation, robustness: false });
  assert.equal(run.n, 200);
  assert.equal(run.accuracy, 0.9); // the 20 mislabelled rows are the only mistakes
  assert.equal(run.mistakes.length, 20);
  assert.ok(run.mistakes.every((m) => m.index % 10 === 0 && m.predicted === (m.label + 9) % 10));
  assert.match(run.temperatureSource, /validation images/);
  // over-confident logits (gain 20) fit T > 1, which lowers the loss and the ECE
  assert.ok(run.temperature > 1, `temperature ${run.temperature}`);
  assert.ok(run.loss < run.uncalibrated.loss && run.ece < run.uncalibrated.ece);
  assert.equal(run.confusion.flat().reduce((a, b) => a + b, 0), 200);
  assert.equal(run.robustness, null);
});

test("an evaluation run uses the model's own temperature when it has one, and adds robustness rows", async () => {
  const run = await runEvaluation({ model: bandModel(20, true), test: bandImages(30), temperature: 2, robustness: true });
  assert.equal(run.temperature, 2);
  assert.equal(run.temperatureSource, 'model metadata');
  assert.deepEqual(
    run.robustness?.map((r) => r.name),
    ['bolder', 'thinner', 'slanted', 'rotated', 'shifted + re-centred', 'pen strokes'],
  );
  assert.ok(run.robustness?.every((r) => r.n > 0 && r.accuracy >= 0 && r.accuracy <= 1));
  assert.equal(run.robustness?.[0].n, 30);
});
