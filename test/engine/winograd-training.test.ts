// Winograd on training batches: the forward convolution F(2x2,3x3) past the small-batch sizing, the input
// gradient of 3x3 stride-1 convolutions (a Winograd forward convolution of dy with the filter flipped) and the
// filter gradient by F(3x3,2x2), against tfjs cpu on odd shapes: odd heights and widths, batches that are no multiple of the threads or the tile
// block, channels 4, 8, 12; both paddings; the same bits on 1 and 2 threads; no stale cached filter.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useEngine } from '../../src/engine/index.ts';
import { WINOGRAD_SMALL_BATCH } from '../../src/engine/kernels/conv2d_winograd_impl.ts';
import { compareWithCpu, countKernelCalls, randn } from './helpers.ts';

const RTOL = 1e-4;

type Case = { x: [number, number, number, number]; f: [number, number, number, number]; pad: 'same' | 'valid' };

// x (N,H,W,inC), f (3,3,inC,outC); the input gradient's Winograd convolution has outC input channels, so
// outC >= 8 for it to take that path
const cases: Case[] = [
  { x: [3, 7, 9, 12], f: [3, 3, 12, 8], pad: 'same' }, // odd H and W: edge tiles of one row or column
  { x: [5, 6, 5, 4], f: [3, 3, 4, 12], pad: 'valid' }, // full convolution for dx (pad 2), 4 channels out of it
  { x: [WINOGRAD_SMALL_BATCH + 3, 9, 7, 8], f: [3, 3, 8, 16], pad: 'same' }, // a training-size batch, odd
  { x: [WINOGRAD_SMALL_BATCH + 1, 11, 13, 16], f: [3, 3, 16, 8], pad: 'valid' },
  { x: [2, 3, 3, 8], f: [3, 3, 8, 8], pad: 'valid' }, // one output pixel per image
];

const forward = (c: Case, seed: number) => tf.conv2d(randn(c.x, seed) as tf.Tensor4D, randn(c.f, seed + 1) as tf.Tensor4D, 1, c.pad);

// dx of conv2d(x, f): tf.conv2dTranspose runs exactly the kernel Conv2DBackpropInput(dy, f, x's shape)
function inputGradient(c: Case, seed: number): tf.Tensor {
  const outShape = tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.f) as tf.Tensor4D, 1, c.pad).shape as [number, number, number, number];
  return tf.conv2dTranspose(randn(outShape, seed) as tf.Tensor4D, randn(c.f, seed + 1) as tf.Tensor4D, c.x, 1, c.pad);
}

// dW of conv2d(x, f) for the loss sum(conv2d(x, f) * dy): the kernel Conv2DBackpropFilter(x, dy)
function filterGradient(c: Case, seed: number): tf.Tensor {
  const x = randn(c.x, seed) as tf.Tensor4D;
  const y = tf.conv2d(x, tf.zeros(c.f) as tf.Tensor4D, 1, c.pad);
  const dy = randn(y.shape, seed + 1);
  return tf.grad((f: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, f as tf.Tensor4D, 1, c.pad), dy)))(randn(c.f, seed + 2));
}

test('training-size forward convolutions, input and filter gradients equal tfjs cpu, on 1 and 2 threads alike to the bit', async () => {
  const byThreads: Float32Array[][] = [];
  for (const threads of [1, 2]) {
    await useEngine({ threads });
    const results: Float32Array[] = [];
    for (const [i, c] of cases.entries()) {
      const fwd = await compareWithCpu(`forward ${JSON.stringify(c)}`, () => forward(c, 10 * i + 1), RTOL, 'Conv2D');
      assert.equal(fwd.calls, 1);
      const dx = await compareWithCpu(`dx ${JSON.stringify(c)}`, () => inputGradient(c, 10 * i + 5), RTOL, 'Conv2DBackpropInput');
      assert.equal(dx.calls, 1);
      assert.deepEqual(dx.engine[0].shape, c.x);
      const dW = await compareWithCpu(`dW ${JSON.stringify(c)}`, () => filterGradient(c, 10 * i + 7), RTOL, 'Conv2DBackpropFilter');
      assert.equal(dW.calls, 1);
      assert.deepEqual(dW.engine[0].shape, c.f);
      results.push(fwd.engine[0].values as Float32Array, dx.engine[0].values as Float32Array, dW.engine[0].values as Float32Array);
    }
    byThreads.push(results);
  }
  byThreads[0].forEach((one, i) => assert.deepEqual(byThreads[1][i], one, `result ${i}: 1 and 2 threads differ`));
});

test('the input gradient of a reused filter is the same on every call (flipped filter cached), and a new filter is not served stale', async () => {
  await useEngine({ threads: 2 });
  const c = cases[2];
  const dy = randn([c.x[0], c.x[1], c.x[2], c.f[3]], 1) as tf.Tensor4D;
  const filter = randn(c.f, 2) as tf.Tensor4D;
  const dxOf = (f: tf.Tensor4D) => tf.tidy(() => tf.conv2dTranspose(dy, f, c.x, 1, c.pad).dataSync());
  const calls = [0, 1, 2, 3].map(() => dxOf(filter));
  for (const later of calls.slice(1)) assert.deepEqual(later, calls[0]);
  // a training step's update: a new tensor with new values (and maybe the old one's memory)
  const updated = tf.tidy(() => tf.add(filter, tf.scalar(0.5))) as tf.Tensor4D;
  const { result: afterUpdate, calls: kernelCalls } = countKernelCalls('Conv2DBackpropInput', () => dxOf(updated));
  assert.equal(kernelCalls, 1);
  await tf.setBackend('cpu');
  const expected = tf.tidy(() => tf.conv2dTranspose(
    tf.tensor4d(Array.from(dy.dataSync()), dy.shape), tf.tensor4d(Array.from(updated.dataSync()), updated.shape), c.x, 1, c.pad,
  ).dataSync());
  await useEngine({ threads: 2 });
  let worst = 0, scale = 1;
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs(afterUpdate[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  assert.ok(worst <= RTOL * scale, `after the update: max abs diff ${worst} exceeds ${RTOL * scale}`);
  tf.dispose([dy, filter, updated]);
});
