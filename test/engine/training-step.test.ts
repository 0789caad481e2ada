// One full training step of the classic Keras MNIST CNN (seeded weights and dropout, a fixed random batch)
// gives the same loss and the same gradient for every weight on the engine as on tfjs cpu. Batch 3: tfjs
// cpu needs ~2 s per image for this model's backward pass.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useEngine } from '../../src/engine/index.ts';
import { buildModel } from '../../src/model/index.ts';
import { compareWithCpu } from './helpers.ts';

const BATCH = 3;

/** [loss, ...one gradient per trainable weight], on the current backend. */
function lossAndGradients(arch: string): tf.Tensor[] {
  const model = buildModel(arch, { seed: 3 });
  try {
    const x = tf.randomUniform([BATCH, 28, 28, 1], 0, 1, 'float32', 11);
    const y = tf.oneHot(tf.tensor1d([3, 1, 4, 1].slice(0, BATCH), 'int32'), 10);
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(
      () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, vars);
    return [value, ...vars.map((v) => grads[v.name])];
  } finally {
    model.dispose();
  }
}

test('a Keras MNIST CNN training step gives the same loss and gradients on the engine as on tfjs cpu', async () => {
  await useEngine({ threads: 2 });
  const before = tf.memory().numTensors;
  // 1e-4 of each tensor's largest value: the gradients pass through four GEMM-based kernels in float32
  const { engine } = await compareWithCpu('keras-cnn loss and gradients', () => lossAndGradients('keras-cnn'), 1e-4);
  assert.equal(tf.memory().numTensors, before, 'the step leaves no tensors behind');
  const [loss, ...grads] = engine;
  assert.ok(Number.isFinite(loss.values[0]) && loss.values[0] > 0, `loss ${loss.values[0]}`);
  assert.equal(grads.length, 8, 'two conv and two dense layers, kernel and bias each');
  for (const [i, g] of grads.entries()) assert.ok(g.values.some((v) => v !== 0), `gradient ${i} is not all zero`);
});
