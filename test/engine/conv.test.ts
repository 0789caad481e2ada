// Convolution kernels of the engine backend (Conv2D, _FusedConv2D, both backprops) against tfjs's cpu kernels.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { ENGINE_BACKEND, useEngine } from '../../src/engine/index.ts';
import { usesSpaceToDepth } from '../../src/engine/kernels/conv2d_space_to_depth_impl.ts';
import { forwardWinogradTile, usesWinograd } from '../../src/engine/kernels/conv2d_winograd_impl.ts';

// max abs diff <= 1e-4 * max(1, max |expected|)
function assertCloseToCpu(engineValues: ArrayLike<number>, cpuValues: ArrayLike<number>, what: string): void {
  assert.equal(engineValues.length, cpuValues.length, what);
  let scale = 1;
  for (let i = 0; i < cpuValues.length; i++) scale = Math.max(scale, Math.abs(cpuValues[i]));
  let diff = 0;
  for (let i = 0; i < cpuValues.length; i++) diff = Math.max(diff, Math.abs(engineValues[i] - cpuValues[i]));
  assert.ok(diff <= 1e-4 * scale, `${what}: max abs diff ${diff} exceeds ${1e-4 * scale}`);
}

/** Runs `op` (returning several tensors) on the engine backend and on cpu and compares each output. */
async function compareWithCpu(what: string, op: () => tf.Tensor[]): Promise<void> {
  await tf.setBackend(ENGINE_BACKEND);
  const engineOut = op().map((t) => ({ shape: t.shape, values: t.dataSync() }));
  await tf.setBackend('cpu');
  const cpuOut = op();
  await tf.setBackend(ENGINE_BACKEND);
  cpuOut.forEach((t, i) => {
    assert.deepEqual(engineOut[i].shape, t.shape, `${what} output ${i} shape`);
    assertCloseToCpu(engineOut[i].values, t.dataSync(), `${what} output ${i}`);
  });
}

const rand = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed) as unknown as tf.Tensor4D;

interface ConvCase {
  x: [number, number, number, number]; // (N,H,W,inC)
  f: [number, number, number, number]; // (fH,fW,inC,outC)
  stride: number;
  pad: 'same' | 'valid';
}

const cases: ConvCase[] = [
  { x: [1, 5, 5, 1], f: [3, 3, 1, 1], stride: 1, pad: 'valid' },
  { x: [1, 28, 28, 1], f: [3, 3, 1, 32], stride: 1, pad: 'valid' }, // the Keras CNN's first layer, batch 1
  { x: [3, 13, 11, 32], f: [3, 3, 32, 64], stride: 1, pad: 'valid' },
  { x: [2, 12, 12, 8], f: [5, 5, 8, 16], stride: 1, pad: 'same' },
  { x: [2, 9, 10, 3], f: [3, 3, 3, 5], stride: 2, pad: 'same' },
  { x: [3, 10, 9, 6], f: [2, 3, 6, 7], stride: 2, pad: 'valid' },
  { x: [5, 7, 7, 13], f: [1, 1, 13, 9], stride: 1, pad: 'same' },
  // 3x3 stride 1 at small batches: Winograd F(4x4,3x3) (forwardWinogradTile)
  { x: [1, 26, 26, 32], f: [3, 3, 32, 32], stride: 1, pad: 'valid' }, // the default model's second layer, batch 1
  { x: [2, 7, 9, 16], f: [3, 3, 16, 8], stride: 1, pad: 'same' }, // padding, partial tiles on both far edges
  // stride-2 5x5 and 6x6 filters: space to depth, then Winograd (usesSpaceToDepth)
  { x: [2, 24, 24, 32], f: [5, 5, 32, 32], stride: 2, pad: 'same' }, // the default model's first strided layer
  { x: [1, 8, 8, 64], f: [5, 5, 64, 64], stride: 2, pad: 'same' }, // and its second, batch 1
  { x: [3, 11, 9, 4], f: [5, 5, 4, 8], stride: 2, pad: 'same' }, // odd sides: an odd last output row and column
  { x: [2, 13, 14, 8], f: [6, 5, 8, 12], stride: 2, pad: 'valid' },
];

test('conv2d forward equals tfjs cpu across strides, paddings and channel counts', async () => {
  await useEngine({ threads: 2 });
  let seed = 1;
  for (const c of cases) {
    const x = rand(c.x, seed++), f = rand(c.f, seed++);
    await compareWithCpu(`conv2d ${JSON.stringify(c)}`, () => [tf.conv2d(x, f, c.stride, c.pad)]);
  }
});

test('the stride-2 5x5 and 6x6 cases take the space-to-depth path, the others and training batches do not', () => {
  const taken = (c: ConvCase) => usesSpaceToDepth(tf.backend_util.computeConv2DInfo(c.x, c.f, c.stride, 1, c.pad));
  assert.deepEqual(cases.map(taken), cases.map((c) => c.stride === 2 && c.f[0] >= 5));
  assert.equal(cases.filter(taken).length, 4);
  assert.equal(taken({ x: [128, 24, 24, 32], f: [5, 5, 32, 32], stride: 2, pad: 'same' }), false);
});

test('small batches with at least 4 tiles of 4x4 outputs take F(4x4,3x3), training batches F(2x2,3x3)', () => {
  const info = (c: ConvCase) => tf.backend_util.computeConv2DInfo(c.x, c.f, c.stride, 1, c.pad);
  const winograd = cases.filter((c) => usesWinograd(info(c)));
  assert.equal(winograd.length, 3);
  assert.deepEqual(winograd.map((c) => forwardWinogradTile(info(c))), [4, 4, 4]);
  assert.equal(forwardWinogradTile(info({ x: [128, 26, 26, 32], f: [3, 3, 32, 32], stride: 1, pad: 'valid' })), 2);
  assert.equal(forwardWinogradTile(info({ x: [16, 26, 26, 32], f: [3, 3, 32, 32], stride: 1, pad: 'valid' })), 4);
  assert.equal(forwardWinogradTile(info({ x: [17, 26, 26, 32], f: [3, 3, 32, 32], stride: 1, pad: 'valid' })), 2);
  // the default model's second strided 5x5 through space to depth: one 4x4 tile an image, so F(4x4) from 4 images
  const strided = (n: number) => info({ x: [n, 8, 8, 64], f: [5, 5, 64, 64], stride: 2, pad: 'same' });
  assert.deepEqual([1, 3, 4].map((n) => forwardWinogradTile(strided(n))), [2, 2, 4]);
});

test('F(4x4,3x3) gives the same results with its transformed filter cached as when transforming it', async () => {
  await useEngine({ threads: 2 });
  const x = rand([2, 14, 13, 32], 90), f = rand([3, 3, 32, 64], 91);
  // the cache keeps a filter from its second use: the third call reads it from there
  const calls = [1, 2, 3].map(() => tf.tidy(() => tf.conv2d(x, f, 1, 'same').dataSync()));
  assert.deepEqual(calls[2], calls[0]);
  await compareWithCpu('cached F(4x4,3x3) filter', () => [tf.conv2d(x, f, 1, 'same')]);
});

test('conv2d with dilation 2 equals tfjs cpu', async () => {
  await useEngine({ threads: 2 });
  const x = rand([2, 11, 12, 3], 40), f = rand([3, 3, 3, 4], 41);
  await compareWithCpu('dilated conv2d', () => [tf.conv2d(x, f, 1, 'same', 'NHWC', 2)]);
});

test('fused conv2d with bias and relu equals tfjs cpu', async () => {
  await useEngine({ threads: 2 });
  let seed = 50;
  for (const c of cases) {
    const x = rand(c.x, seed++), f = rand(c.f, seed++), bias = rand([c.f[3]], seed++);
    for (const activation of ['linear', 'relu'] as const) {
      await compareWithCpu(`fused ${activation} ${JSON.stringify(c)}`, () => [
        tf.fused.conv2d({ x, filter: f, strides: c.stride, pad: c.pad, bias, activation }),
      ]);
    }
  }
});

test('conv2d gradients (backprop input and filter) equal tfjs cpu', async () => {
  await useEngine({ threads: 2 });
  let seed = 100;
  for (const c of cases) {
    const x = rand(c.x, seed++), f = rand(c.f, seed++);
    const outShape = tf.conv2d(x, f, c.stride, c.pad).shape;
    const weights = rand(outShape, seed++); // a loss sum(conv * weights) gives dy = weights
    await compareWithCpu(`conv2d grads ${JSON.stringify(c)}`, () => {
      const grads = tf.grads((xx: tf.Tensor, ff: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, c.stride, c.pad), weights)));
      return grads([x, f]);
    });
  }
});

test('fused conv2d relu gradients equal tfjs cpu', async () => {
  await useEngine({ threads: 2 });
  const x = rand([4, 12, 12, 16], 200), f = rand([3, 3, 16, 24], 201), bias = rand([24], 202);
  const weights = rand([4, 10, 10, 24], 203);
  await compareWithCpu('fused conv grads', () =>
    tf.grads((xx: tf.Tensor, ff: tf.Tensor, bb: tf.Tensor) =>
      tf.sum(tf.mul(tf.fused.conv2d({ x: xx as tf.Tensor4D, filter: ff as tf.Tensor4D, strides: 1, pad: 'valid', bias: bb, activation: 'relu' }), weights)),
    )([x, f, bias]),
  );
});

test('NCHW convolution falls back to the cpu kernel', async () => {
  await useEngine({ threads: 1 });
  const x = rand([1, 2, 6, 6], 300), f = rand([3, 3, 2, 3], 301);
  await compareWithCpu('NCHW conv2d', () => {
    try {
      return [tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'valid', 'NCHW')];
    } catch (error) {
      // tfjs cpu does not implement NCHW conv either: both backends must fail the same way
      return [tf.scalar((error as Error).message.length)];
    }
  });
});

test('one thread and two threads give the same convolution results', async () => {
  const x = rand([8, 14, 14, 16], 400), f = rand([3, 3, 16, 32], 401);
  const weights = rand([8, 12, 12, 32], 402);
  const run = () => {
    const grads = tf.grads((xx: tf.Tensor, ff: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, 1, 'valid'), weights)))([x, f]);
    return [tf.conv2d(x, f, 1, 'valid'), ...grads].map((t) => Array.from(t.dataSync()));
  };
  await useEngine({ threads: 1 });
  const one = run();
  await useEngine({ threads: 2 });
  const two = run();
  assert.deepEqual(two[0], one[0], 'forward');
  assert.deepEqual(two[1], one[1], 'dx');
  // dW sums thread partials in another order: equal within float rounding
  assertCloseToCpu(two[2], one[2], 'dW');
});
