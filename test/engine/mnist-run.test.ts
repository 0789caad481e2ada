// A short real training run on MNIST: the small CNN, same seed, same batches, same steps, on tfjs cpu and on
// the engine, reaches the same test accuracy within 2 points. Small, because tfjs cpu trains it at ~27
// images/s. Needs the real data: skipped unless DIGITS_DATA_DIR is set.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { ENGINE_BACKEND, useEngine } from '../../src/engine/index.ts';
import { buildModel } from '../../src/model/index.ts';
import { loadMnist } from '../../src/data/index.ts';
import type { MnistSet } from '../../src/data/index.ts';

const STEPS = 30;
const BATCH = 16;
const TEST_IMAGES = 1000;

/** Images (n,28,28,1) in 0..1 and labels of samples [start, start+n). */
function slice(set: MnistSet, start: number, n: number): { x: tf.Tensor4D; labels: Int32Array } {
  const pixels = set.rows * set.cols;
  const values = Float32Array.from(set.images.subarray(start * pixels, (start + n) * pixels), (v) => v / 255);
  return { x: tf.tensor4d(values, [n, set.rows, set.cols, 1]), labels: Int32Array.from(set.labels.subarray(start, start + n)) };
}

/** Trains a fresh seeded small CNN on the first STEPS*BATCH training images; returns its test accuracy. */
function trainAndTest(train: MnistSet, testSet: MnistSet): number {
  const model = buildModel('small-cnn', { seed: 21 });
  const optimizer = tf.train.adam(3e-3);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  try {
    for (let s = 0; s < STEPS; s++) {
      tf.tidy(() => {
        const { x, labels } = slice(train, s * BATCH, BATCH);
        const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 10);
        optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, false, vars);
      });
    }
    return tf.tidy(() => {
      const { x, labels } = slice(testSet, 0, TEST_IMAGES);
      const predicted = Array.from((model.predict(x) as tf.Tensor).argMax(-1).dataSync());
      return predicted.reduce((right, p, i) => right + (p === labels[i] ? 1 : 0), 0) / TEST_IMAGES;
    });
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

test('a short MNIST run reaches the same accuracy on the engine as on tfjs cpu', async (t) => {
  const dataDir = process.env.DIGITS_DATA_DIR;
  if (!dataDir) {
    t.skip('DIGITS_DATA_DIR not set');
    return;
  }
  const train = await loadMnist('train', { dataDir, download: false });
  const testSet = await loadMnist('test', { dataDir, download: false });
  await useEngine({ threads: 2 });
  const engineAccuracy = trainAndTest(train, testSet);
  await tf.setBackend('cpu');
  let cpuAccuracy: number;
  try {
    cpuAccuracy = trainAndTest(train, testSet);
  } finally {
    await tf.setBackend(ENGINE_BACKEND);
  }
  t.diagnostic(`after ${STEPS} steps of ${BATCH}: engine ${(100 * engineAccuracy).toFixed(1)}%, cpu ${(100 * cpuAccuracy).toFixed(1)}%`);
  assert.ok(engineAccuracy > 0.5, `the run learns something (engine ${engineAccuracy}), so equal accuracies mean something`);
  assert.ok(Math.abs(engineAccuracy - cpuAccuracy) <= 0.02, `engine ${engineAccuracy} vs cpu ${cpuAccuracy}`);
});
