// Conv2D layers with bias and relu in training on the engine run as one operation (layers_conv2d.ts,
// kernels/Conv2DBiasRelu.ts): the same outputs and gradients as tfjs's conv, Add and Relu on cpu; only such
// layers, only in training; no input gradient for the images; no tensors left behind; the same bits on 1 and
// 2 threads.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Conv2DBackpropInput } from '@tensorflow/tfjs-core';
import { useEngine } from '../../src/engine/index.ts';
import { CONV2D_BIAS_RELU, RELU_GRAD_BIAS } from '../../src/engine/kernels/Conv2DBiasRelu.ts';
import { compareWithCpu, countKernelCalls, randn } from './helpers.ts';
import type { Compared } from './helpers.ts';

const INPUT: [number, number, number] = [11, 9, 3];

/** Two relu conv layers (one strided), a linear one, then dense: seeded, on the current backend. */
function tinyConvModel(): tf.Sequential {
  const model = tf.sequential();
  const init = (seed: number) => ({
    kernelInitializer: tf.initializers.heUniform({ seed }), biasInitializer: tf.initializers.randomNormal({ seed: seed + 1, stddev: 0.3 }),
  });
  model.add(tf.layers.conv2d({ inputShape: INPUT, filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', ...init(1) }));
  model.add(tf.layers.conv2d({ filters: 5, kernelSize: 5, strides: 2, padding: 'same', activation: 'relu', ...init(3) }));
  model.add(tf.layers.conv2d({ filters: 4, kernelSize: 2, activation: 'linear', ...init(5) }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 7 }) }));
  return model;
}

/** [loss, every trainable weight's gradient] of one softmax step at `batch`. */
function modelGradients(batch: number): tf.Tensor[] {
  const model = tinyConvModel();
  try {
    const x = randn([batch, ...INPUT], 11);
    const labels = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 3), 'int32'), 3);
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, vars);
    return [value, ...vars.map((v) => grads[v.name])];
  } finally {
    model.dispose();
  }
}

test('a model of relu and linear conv layers has the loss and gradients of tfjs cpu, its relu layers through the one operation', async () => {
  await useEngine({ threads: 2 });
  for (const batch of [1, 4]) {
    const { calls, engine } = await compareWithCpu(`batch ${batch}`, () => modelGradients(batch), 1e-4, CONV2D_BIAS_RELU);
    assert.equal(calls, 2, 'the two relu layers ran as one operation each, the linear one did not');
    assert.equal(engine.length, 1 + 8, 'loss, then three conv layers and the dense layer, kernel and bias each');
    for (const [i, g] of engine.entries()) assert.ok(g.values.some((v) => v !== 0), `output ${i} is not all zero`);
  }
  const { calls: gradCalls } = countKernelCalls(RELU_GRAD_BIAS, () => tf.tidy(() => modelGradients(2)));
  assert.equal(gradCalls, 2, 'relu and bias gradients in one pass for each relu layer');
  // the images need no gradient: only the second and third conv layers compute an input gradient
  const { calls: inputGradCalls } = countKernelCalls(Conv2DBackpropInput, () => tf.tidy(() => modelGradients(2)));
  assert.equal(inputGradCalls, 2, 'no input gradient for the first layer');
});

test('in inference a relu conv layer keeps tfjs own call, and a training step leaves no tensors behind', async () => {
  await useEngine({ threads: 2 });
  const { calls } = await compareWithCpu('conv layers in inference', () => {
    const model = tinyConvModel();
    const y = (model.apply(randn([3, ...INPUT], 12), { training: false }) as tf.Tensor).clone();
    model.dispose();
    return y;
  }, 1e-4, CONV2D_BIAS_RELU);
  assert.equal(calls, 0);
  const before = tf.memory().numTensors;
  tf.tidy(() => {
    modelGradients(3); // the kept tensors a step might leak outlive this
  });
  assert.equal(tf.memory().numTensors, before);
});

test('a relu conv layer in training gives the same bits on 1 and 2 threads (an output over 2^17 floats)', async () => {
  const byThreads: Compared[][] = [];
  for (const threads of [1, 2]) {
    await useEngine({ threads });
    byThreads.push(tf.tidy(() => {
      const layer = tf.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.heUniform({ seed: 4 }) });
      const x = randn([5, 29, 29, 8], 13), dy = randn([5, 29, 29, 32], 14);
      const [dx] = tf.grads((input: tf.Tensor) => (layer.apply(input, { training: true }) as tf.Tensor).mul(dy).sum())([x]);
      const [kernel, bias] = layer.trainableWeights.map((w) => w.read() as tf.Variable);
      const { grads } = tf.variableGrads(() => (layer.apply(x, { training: true }) as tf.Tensor).mul(dy).sum() as tf.Scalar, [kernel, bias]);
      const out = [dx, grads[kernel.name], grads[bias.name]].map((t) => ({ shape: t.shape, values: t.dataSync() as Float32Array }));
      layer.dispose();
      return out;
    }));
  }
  await useEngine({ threads: 2 });
  byThreads[0].forEach((one, i) => assert.deepEqual(byThreads[1][i], one, `gradient ${i}: 1 and 2 threads differ`));
});
