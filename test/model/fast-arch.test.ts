// The `fast` architecture (the time-to-accuracy preset of `npm run bench -- train`): its shape, its size, that
// every convolution it trains takes the engine's fast paths, and that one training step on it learns.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { engineAdam, useEngine } from '../../src/engine/index.ts';
import { buildModel } from '../../src/model/index.ts';
import { RECIPES } from '../../src/train/index.ts';

await useEngine({ threads: 2 });

test('the fast architecture outputs 10 logits per image', () => {
  const model = buildModel('fast', { seed: 1 });
  const y = model.predict(tf.zeros([3, 28, 28, 1])) as tf.Tensor;
  assert.deepEqual(y.shape, [3, 10]);
  y.dispose();
  model.dispose();
});

test('it has the parameters of its documented layers: three 3x3 convolutions, a dense layer of 128, the 10 logits', () => {
  const model = buildModel('fast', { seed: 1 });
  const conv = (inputs: number, filters: number) => 3 * 3 * inputs * filters + filters;
  const dense = (inputs: number, units: number) => inputs * units + units;
  // 28x28x1 -> conv 32 -> pool -> conv 64 -> pool -> conv 128 -> pool -> 3x3x128 flattened -> 128 -> 10
  const expected = conv(1, 32) + conv(32, 64) + conv(64, 128) + dense(3 * 3 * 128, 128) + dense(128, 10);
  assert.equal(model.countParams(), expected);
  assert.ok(4 * expected < 2e6, 'weights under 2 MB, like the shipped model');
  model.dispose();
});

test('every convolution after the first is 3x3, stride 1, with channels a multiple of 4 (the engine\'s Winograd path)', () => {
  const model = buildModel('fast', { seed: 1 });
  const convs = model.layers.filter((layer) => layer.getClassName() === 'Conv2D');
  assert.ok(convs.length >= 2);
  for (const conv of convs.slice(1)) {
    const config = conv.getConfig();
    const inputs = (conv.input as tf.SymbolicTensor).shape.at(-1)!;
    assert.deepEqual(config.kernelSize, [3, 3], conv.name);
    assert.deepEqual(config.strides, [1, 1], conv.name);
    assert.equal(inputs % 4, 0, `${conv.name} has ${inputs} input channels`);
    assert.ok(inputs >= 8, `${conv.name} has ${inputs} input channels`);
    assert.equal((config.filters as number) % 4, 0, `${conv.name} has ${config.filters} filters`);
  }
  model.dispose();
});

test('a few Adam steps at its recipe\'s learning rate lower the loss on their batch', () => {
  const model = buildModel('fast', { seed: 2 });
  const optimizer = engineAdam(RECIPES.fast.lr);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  // 32 images of 4 classes, each class a bright square in its own quadrant
  const images = new Float32Array(32 * 784);
  const labels = new Int32Array(32);
  for (let i = 0; i < 32; i++) {
    labels[i] = i % 4;
    const top = labels[i] < 2 ? 4 : 16;
    const left = labels[i] % 2 === 0 ? 4 : 16;
    for (let r = top; r < top + 8; r++) for (let c = left; c < left + 8; c++) images[i * 784 + r * 28 + c] = 1;
  }
  const x = tf.tensor4d(images, [32, 28, 28, 1]);
  const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 10).toFloat();
  const loss = () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: false }) as tf.Tensor) as tf.Scalar;
  const before = tf.tidy(() => loss().dataSync()[0]);
  for (let step = 0; step < 5; step++) {
    tf.tidy(() => {
      optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, false, variables);
    });
  }
  const after = tf.tidy(() => loss().dataSync()[0]);
  assert.ok(after < before * 0.5, `loss ${before} -> ${after}`);
  tf.dispose([x, y]);
  optimizer.dispose();
  model.dispose();
});

test('the fast architecture has no dropout; the default keeps its three', () => {
  const dropouts = (arch: string) => buildModel(arch, { seed: 1 }).layers.filter((layer) => layer.getClassName() === 'Dropout').length;
  assert.equal(dropouts('fast'), 0);
  assert.equal(dropouts('default'), 3);
});
