// The engine's small-batch inference paths against tfjs cpu: Winograd F(2x2,3x3) for 3x3 stride-1 convolutions
// of a few images, the matrix-vector product of a dense layer on one image, and the direct convolution of one
// input channel, all split over threads.
// Odd sizes, both paddings, bias and relu; results the same to the bit on 1 or 2 threads and from call to
// call (the first call transforms the filter in scratch, the second caches it, the third reads the cache).
import test from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { backend_util } from '@tensorflow/tfjs-core';
import { useEngine } from '../../src/engine/index.ts';
import { usesWinograd } from '../../src/engine/kernels/conv2d_winograd_impl.ts';
import { compareWithCpu, randn } from './helpers.ts';

// Winograd's transforms add a rounding step of their own, well inside the GEMM kernels' 1e-4
const RTOL = 1e-4;

const convCases: { x: [number, number, number, number]; f: [number, number, number, number]; pad: 'same' | 'valid' }[] = [
  { x: [1, 26, 26, 32], f: [3, 3, 32, 64], pad: 'valid' }, // the Keras MNIST CNN's second convolution
  { x: [1, 14, 14, 32], f: [3, 3, 32, 64], pad: 'same' }, // the default model's third
  { x: [1, 7, 9, 8], f: [3, 3, 8, 12], pad: 'same' }, // odd height and width: edge tiles of one row or column
  { x: [3, 5, 6, 12], f: [3, 3, 12, 4], pad: 'valid' }, // a few images, an odd output height
  { x: [2, 3, 3, 8], f: [3, 3, 8, 8], pad: 'valid' }, // one output pixel per image
];

function fusedConv(c: (typeof convCases)[number], seed: number): tf.Tensor {
  return tf.fused.conv2d({
    x: randn(c.x, seed) as tf.Tensor4D, filter: randn(c.f, seed + 1) as tf.Tensor4D, bias: randn([c.f[3]], seed + 2) as tf.Tensor1D,
    strides: 1, pad: c.pad, activation: 'relu',
  });
}

test('3x3 stride-1 convolutions take the Winograd path at any batch, strided ones do not', () => {
  for (const c of convCases) {
    assert.ok(usesWinograd(backend_util.computeConv2DInfo(c.x, c.f, 1, 1, c.pad)), JSON.stringify(c));
  }
  const training = backend_util.computeConv2DInfo([128, 26, 26, 32], [3, 3, 32, 64], 1, 1, 'valid');
  assert.ok(usesWinograd(training));
  const strided = backend_util.computeConv2DInfo([1, 26, 26, 32], [3, 3, 32, 64], 2, 1, 'valid');
  assert.equal(usesWinograd(strided), false);
});

test('Winograd convolutions with bias and relu equal tfjs cpu, on 1 and 2 threads alike to the bit', async () => {
  const byThreads: Float32Array[][] = [];
  for (const threads of [1, 2]) {
    await useEngine({ threads });
    const results: Float32Array[] = [];
    for (const [i, c] of convCases.entries()) {
      const { engine, calls } = await compareWithCpu(`winograd ${JSON.stringify(c)}`, () => fusedConv(c, 10 * i + 1), RTOL, 'FusedConv2D');
      assert.equal(calls, 1);
      results.push(engine[0].values as Float32Array);
    }
    byThreads.push(results);
  }
  byThreads[0].forEach((one, i) => assert.deepEqual(byThreads[1][i], one, `case ${i}: 1 and 2 threads differ`));
});

test('a model reusing its filter gives the same bits on every call (transformed in scratch, then cached)', async () => {
  await useEngine({ threads: 2 });
  const c = convCases[0];
  const x = randn(c.x, 1) as tf.Tensor4D, filter = randn(c.f, 2) as tf.Tensor4D;
  const calls = [0, 1, 2, 3].map(() => tf.tidy(() => tf.conv2d(x, filter, 1, c.pad).dataSync()));
  for (const later of calls.slice(1)) assert.deepEqual(later, calls[0]);
  tf.dispose([x, filter]);
});

test('a dense layer on one image (a matrix-vector product over threads) equals tfjs cpu, whole and odd widths', async () => {
  for (const threads of [1, 2]) {
    await useEngine({ threads });
    // [K, N]: the Keras CNN's dense layers, then widths that leave a part of 4 panels and a partial panel
    for (const [K, N] of [[9216, 256], [256, 10], [1000, 77], [37, 300], [5, 9]]) {
      const { engine } = await compareWithCpu(`dense 1x${K} * ${K}x${N}, ${threads} thread(s)`, () => tf.fused.matMul({
        a: randn([1, K], K), b: randn([K, N], N), bias: randn([N], 3), activation: 'relu',
      }), RTOL, '_FusedMatMul');
      assert.deepEqual(engine[0].shape, [1, N]);
    }
  }
});

test('one-channel convolutions (a first layer, computed directly) equal tfjs cpu: strides, paddings, odd sizes', async () => {
  const cases: { x: [number, number, number, number]; f: [number, number, number, number]; pad: 'same' | 'valid'; stride: number }[] = [
    { x: [1, 28, 28, 1], f: [3, 3, 1, 32], pad: 'valid', stride: 1 }, // the Keras MNIST CNN's first convolution
    { x: [2, 28, 28, 1], f: [3, 3, 1, 32], pad: 'same', stride: 1 }, // the default model's
    { x: [3, 9, 7, 1], f: [5, 5, 1, 36], pad: 'same', stride: 2 }, // more than 32 channels: a second block of 4
    { x: [1, 6, 5, 1], f: [2, 3, 1, 4], pad: 'valid', stride: 1 },
  ];
  for (const threads of [1, 2]) {
    await useEngine({ threads });
    for (const [i, c] of cases.entries()) {
      await compareWithCpu(`one-channel conv ${JSON.stringify(c)}, ${threads} thread(s)`, () => tf.fused.conv2d({
        x: randn(c.x, 3 * i + 1) as tf.Tensor4D, filter: randn(c.f, 3 * i + 2) as tf.Tensor4D, bias: randn([c.f[3]], 3 * i + 3) as tf.Tensor1D,
        strides: c.stride, pad: c.pad, activation: 'relu',
      }), RTOL, 'FusedConv2D');
    }
  }
});
