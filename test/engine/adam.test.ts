// engineAdam: the same updates and state as tf.train.adam, in one pass per variable.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { engineAdam, useEngine } from '../../src/engine/index.ts';

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

test('engineAdam updates weights as tf.train.adam does', async () => {
  await useEngine({ threads: 1 });
  const expected = train(tf.train.adam(0.01, 0.9, 0.999), 25);
  const actual = train(engineAdam(0.01, 0.9, 0.999), 25);
  for (let t = 0; t < expected.length; t++) {
    for (let i = 0; i < expected[t].length; i++) {
      assert.ok(Math.abs(actual[t][i] - expected[t][i]) <= 1e-5 * Math.max(1, Math.abs(expected[t][i])), `weight ${t}/${i}: ${actual[t][i]} vs ${expected[t][i]}`);
    }
  }
});

test('engineAdam keeps Adam state: iterations and moments round-trip through getWeights', async () => {
  await useEngine({ threads: 1 });
  const optimizer = engineAdam(0.01);
  train(optimizer, 3);
  const weights = await optimizer.getWeights();
  assert.equal(weights[0].name, 'iter');
  assert.equal(weights[0].tensor.dataSync()[0], 3);
  assert.equal(weights.length, 1 + 2 * 2, 'iteration count plus m and v for w and b');
  assert.ok(weights.slice(1).every((entry) => entry.tensor.dataSync().some((value) => value !== 0)), 'moments were updated');
});

test('engineAdam does not leak tensors per step', async () => {
  await useEngine({ threads: 1 });
  const optimizer = engineAdam(0.01);
  const w = tf.variable(tf.ones([4, 2]), true, 'leak-w');
  const x = tf.ones([3, 4]);
  const step = () => optimizer.minimize(() => tf.sum(tf.matMul(x, w)) as tf.Scalar);
  step(); // creates m and v for w
  const start = tf.memory().numTensors;
  for (let i = 0; i < 20; i++) step();
  assert.equal(tf.memory().numTensors, start);
});
