// One full training step of the classic Keras MNIST CNN (seeded weights and dropout, a fixed random batch)
// gives the same loss and the same gradient for every weight on the engine as on tfjs cpu. Batch 3: tfjs
// cpu needs ~2 s per image for this model's backward pass.
// The default model (BatchNorm, strided 5x5 convolutions) is checked the same way.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useEngine } from '../../src/engine/index.ts';
import { buildModel } from '../../src/model/index.ts';
import { CONV2D_BIAS_RELU } from '../../src/engine/kernels/Conv2DBiasRelu.ts';
import { setFusedDropout } from '../../src/engine/layers_dropout.ts';
import { compareWithCpu, countKernelCalls } from './helpers.ts';

const BATCH = 3;

// The engine's dropout draws other masks than tfjs's for the same seed (test/engine/dropout.test.ts checks it):
// these steps use tfjs's dropout on both backends, so that both drop the same units.
test.before(() => setFusedDropout(false));
test.after(() => setFusedDropout(true));

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

test('a default-model training step gives the loss and gradients of tfjs cpu (conv and BatchNorm layers as one operation each, small-batch conv paths)', async () => {
  // batch 3: the forward 3x3 convolutions take F(4x4,3x3) and the strided 5x5 ones space to depth (batches up
  // to 16), the input gradients F(2x2,3x3), the conv layers conv2dBiasRelu and the BatchNorm layers
  // batchNormInTraining. 2e-3 of each tensor's
  // largest value: this step is sensitive (scaling the batch's pixels by 1 +- 1e-6 moves its gradients by up to
  // 6e-3 at batch 8, a unit crossing zero), and F(4x4,3x3)'s rounding, ~10x F(2x2,3x3)'s, moves them by 6e-4 here;
  // a wrong gradient term moves them by over 5e-2.
  await useEngine({ threads: 2 });
  const before = tf.memory().numTensors;
  const { engine, calls } = await compareWithCpu('default loss and gradients', () => lossAndGradients('default'), 2e-3, 'EngineBatchNormGradInput');
  assert.equal(calls, 7, 'each of the seven BatchNorm layers through the one operation');
  const { calls: convCalls } = countKernelCalls(CONV2D_BIAS_RELU, () => tf.tidy(() => {
    lossAndGradients('default');
  }));
  assert.equal(convCalls, 7, 'each of the seven conv layers (bias, relu) through the one operation');
  assert.equal(tf.memory().numTensors, before, 'the step leaves no tensors behind');
  const [loss, ...grads] = engine;
  assert.ok(Number.isFinite(loss.values[0]) && loss.values[0] > 0, `loss ${loss.values[0]}`);
  assert.equal(grads.length, 30, 'seven conv layers (kernel, bias) with BatchNorm (gamma, beta), and the dense layer');
  for (const [i, g] of grads.entries()) assert.ok(g.values.some((v) => v !== 0), `gradient ${i} is not all zero`);
});
