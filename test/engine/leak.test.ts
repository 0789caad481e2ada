// Nothing grows over thousands of training steps on the engine: not tfjs's tensor count, not the
// WebAssembly memory, not the per-call arena's high water mark, not the cache of packed weights
// (weights get new storage at every optimizer update, so a cache keyed on it must let the old go).
import test from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { engineStats, useEngine } from '../../src/engine/index.ts';
import { buildModel } from '../../src/model/index.ts';

const STEPS = 2000;
const WARMUP = 20;

test(`tensor count and engine memory stay flat over ${STEPS} small-CNN training steps`, async () => {
  await useEngine({ threads: 2 });
  const model = buildModel('small-cnn', { seed: 5 });
  const optimizer = tf.train.adam(1e-3);
  const x = tf.randomUniform([2, 28, 28, 1], 0, 1, 'float32', 9);
  const y = tf.oneHot(tf.tensor1d([7, 2], 'int32'), 10);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const step = () => {
    const loss = optimizer.minimize(
      () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true, vars)!;
    const value = loss.dataSync()[0];
    loss.dispose();
    return value;
  };
  try {
    for (let i = 0; i < WARMUP; i++) step(); // the optimizer's slots and the first packings appear here
    const tensors = tf.memory().numTensors;
    const stats = engineStats();
    let firstLoss = NaN, lastLoss = NaN;
    for (let i = 0; i < STEPS; i++) {
      lastLoss = step();
      if (i === 0) firstLoss = lastLoss;
      if (i % 500 === 499) assert.equal(tf.memory().numTensors, tensors, `tensor count after ${WARMUP + i + 1} steps`);
    }
    const after = engineStats();
    assert.equal(tf.memory().numTensors, tensors, 'tensor count');
    assert.equal(after.memoryBytes, stats.memoryBytes, 'WebAssembly memory size');
    assert.equal(after.arenaHighWaterBytes, stats.arenaHighWaterBytes, 'arena high water mark');
    assert.equal(after.arenaBytes, 0, 'nothing held in the arena between calls');
    assert.equal(after.cacheBytes, stats.cacheBytes, 'packed-weights cache');
    assert.equal(after.recycledBytes, stats.recycledBytes, 'arrays pooled for reuse');
    assert.equal(after.heapBytes, stats.heapBytes, 'resident tensors');
    assert.equal(after.heapBytes + after.heapFreeBytes, stats.heapBytes + stats.heapFreeBytes, 'resident tensor heap');
    assert.ok(lastLoss < firstLoss, `training on one batch lowers its loss (${firstLoss} -> ${lastLoss}), so the steps did real work`);
  } finally {
    optimizer.dispose();
    model.dispose();
    tf.dispose([x, y]);
  }
});
