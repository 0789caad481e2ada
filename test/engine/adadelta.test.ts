// engineAdadelta: the same updates and state as tf.train.adadelta, in one pass per variable.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { engineAdadelta, useEngine } from '../../src/engine/index.ts';

/** Trains a tiny linear model for `steps` with `optimizer`; returns its weights. */
function train(optimizer: tf.Optimizer, steps: number): Float32Array[] {
  const w = tf.variable(tf.randomNormal([7, 3], 0, 1, 'float32', 1), true, `w${Math.random()}`);
  const b = tf.variable(tf.randomNormal([3], 0, 1, 'float32', 2), true, `b${Math.random()}`);
  const x = tf.randomNormal([16, 7], 0, 1, 'float32', 3);
  const y = tf.randomNormal([16, 3], 0, 1, 'float32', 4);
  for (let i = 0; i < steps; i++) {
    optimizer.minimize(() => tf.losses.meanSquaredError(y, tf.add(tf.matMul(x, w), b)) as tf.Scalar);
  }
  return [w.dataSync() as Float32Array, b.dataSync() as Float32Array];
}

test('engineAdadelta updates weights as tf.train.adadelta does', async () => {
  await useEngine({ threads: 1 });
  const initial = train(tf.train.adadelta(1.0), 0);
  const expected = train(tf.train.adadelta(1.0, 0.95), 25);
  const actual = train(engineAdadelta(1.0, 0.95), 25);
  assert.ok(expected[0].some((v, i) => Math.abs(v - initial[0][i]) > 1e-3), 'the reference run moved the weights');
  for (let t = 0; t < expected.length; t++) {
    for (let i = 0; i < expected[t].length; i++) {
      assert.ok(Math.abs(actual[t][i] - expected[t][i]) <= 1e-5 * Math.max(1, Math.abs(expected[t][i])), `weight ${t}/${i}: ${actual[t][i]} vs ${expected[t][i]}`);
    }
  }
});

test('engineAdadelta keeps Adadelta state: iterations and accumulators round-trip through getWeights', async () => {
  await useEngine({ threads: 1 });
  const optimizer = engineAdadelta(1.0);
  train(optimizer, 3);
  const weights = await optimizer.getWeights();
  assert.equal(weights[0].name, 'iter');
  assert.equal(weights[0].tensor.dataSync()[0], 3);
  assert.equal(weights.length, 1 + 2 * 2, 'iteration count plus accumulated gradients and updates for w and b');
  assert.ok(weights.slice(1).every((entry) => entry.tensor.dataSync().some((value) => value !== 0)), 'accumulators were updated');
  const restored = engineAdadelta(1.0);
  await restored.setWeights(weights);
  assert.equal((await restored.getWeights()).length, weights.length);
});

test('engineAdadelta does not leak tensors per step', async () => {
  await useEngine({ threads: 1 });
  const optimizer = engineAdadelta(1.0);
  const w = tf.variable(tf.ones([4, 2]), true, 'adadelta-leak-w');
  const x = tf.ones([3, 4]);
  const step = () => optimizer.minimize(() => tf.sum(tf.matMul(x, w)) as tf.Scalar);
  step(); // creates the accumulators for w
  const start = tf.memory().numTensors;
  for (let i = 0; i < 20; i++) step();
  assert.equal(tf.memory().numTensors, start);
});

test('engineAdadelta with kerasUpdate divides by the accumulated gradient including this step (Zeiler, Keras)', async () => {
  await useEngine({ threads: 1 });
  const rho = 0.95, eps = 1e-7;
  const w = tf.variable(tf.tensor1d([0.5, -1, 2]), true, 'keras-adadelta-w');
  const optimizer = engineAdadelta(1.0, rho, eps);
  optimizer.kerasUpdate = true;
  optimizer.minimize(() => tf.sum(tf.square(w)).div(2) as tf.Scalar); // gradient = w
  // first step: u = sqrt(eps) / sqrt((1-rho) g^2 + eps) * g, about sqrt(eps/(1-rho)) in size, not tfjs's full g
  const expected = [0.5, -1, 2].map((g) => g - (Math.sqrt(eps) / Math.sqrt((1 - rho) * g * g + eps)) * g);
  const actual = w.dataSync();
  expected.forEach((e, j) => assert.ok(Math.abs(actual[j] - e) < 1e-6, `w[${j}] ${actual[j]} vs ${e}`));
  optimizer.dispose();
  w.dispose();
});
