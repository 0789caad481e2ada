// Dropout in training on the engine (layers_dropout.ts, kernels/Dropout.ts): masks drawn in wasm from (seed, index).
// They cannot equal tfjs's (another generator), so these tests check what a mask must be: kept with probability
// 1 - rate, independent of its neighbours, new for a new seed and the same for the same seed, the same bits on 1
// and 2 threads, and the gradient keeps what the forward pass kept. Only seeded layers in training take it.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useEngine } from '../../src/engine/index.ts';
import { DROPOUT, dropoutInTraining } from '../../src/engine/kernels/Dropout.ts';
import { countKernelCalls, randn } from './helpers.ts';

const N = 1 << 20; // over 2^17 floats: two threads split it

/** Which of N ones the engine's dropout keeps (1) or drops (0), and the kept value. */
function mask(rate: number, seed: number): { kept: Uint8Array; values: Float32Array } {
  const values = tf.tidy(() => dropoutInTraining(tf.ones([N]), rate, seed).dataSync() as Float32Array);
  return { kept: values.map((v) => (v !== 0 ? 1 : 0)) as unknown as Uint8Array, values };
}

test('each element is kept with probability 1 - rate and scaled by 1 / (1 - rate), independently of its neighbour', async () => {
  await useEngine({ threads: 2 });
  for (const rate of [0.1, 0.4, 0.5, 0.75]) {
    const { kept, values } = mask(rate, 12345);
    const keep = 1 - rate;
    let count = 0, both = 0;
    for (let i = 0; i < N; i++) {
      count += kept[i];
      if (i > 0) both += kept[i] & kept[i - 1];
    }
    const sigma = Math.sqrt((keep * rate) / N);
    assert.ok(Math.abs(count / N - keep) < 5 * sigma, `rate ${rate}: kept ${count / N}, expected ${keep} +- ${5 * sigma}`);
    // neighbours both kept about keep^2 of the time, as independent draws would be
    assert.ok(Math.abs(both / (N - 1) - keep * keep) < 0.005, `rate ${rate}: neighbours both kept ${both / (N - 1)}, expected ${keep * keep}`);
    const scale = Math.fround(1 / Math.fround(keep));
    assert.ok(values.every((v) => v === 0 || v === scale), `kept values are 1 / keep (${scale})`);
  }
});

test('the same seed draws the same mask; another seed, an unrelated one', async () => {
  await useEngine({ threads: 2 });
  const a = mask(0.5, 7).kept, again = mask(0.5, 7).kept, b = mask(0.5, 8).kept, big = mask(0.5, 7 + 2 ** 32).kept;
  assert.deepEqual(again, a);
  for (const [other, what] of [[b, 'seed 8'], [big, 'seed 7 + 2^32']] as const) {
    let same = 0;
    for (let i = 0; i < N; i++) same += a[i] === other[i] ? 1 : 0;
    assert.ok(Math.abs(same / N - 0.5) < 0.005, `${what} agrees with seed 7 on ${same / N} of the elements, expected ~0.5`);
  }
});

test('the same bits on 1 and 2 threads', async () => {
  await useEngine({ threads: 1 });
  const one = mask(0.4, 99).values;
  await useEngine({ threads: 2 });
  assert.deepEqual(mask(0.4, 99).values, one);
});

test('a seeded Dropout layer takes the operation only in training; its gradient keeps what the forward pass kept', async () => {
  await useEngine({ threads: 2 });
  const x = randn([4, 6, 5, 8], 1), dy = randn([4, 6, 5, 8], 2);
  const layer = tf.layers.dropout({ rate: 0.4, seed: 31 });
  const { result: [y, dx], calls } = countKernelCalls(DROPOUT, () => {
    const out = layer.apply(x, { training: true }) as tf.Tensor;
    const [grad] = tf.grads((input: tf.Tensor) => (layer.apply(input, { training: true }) as tf.Tensor).mul(dy).sum())([x]);
    return [out, grad];
  });
  assert.equal(calls, 3, 'forward, then forward and gradient under tf.grads');
  const [yv, dxv, xv, dyv] = [y, dx, x, dy].map((t) => t.dataSync());
  const scale = Math.fround(1 / Math.fround(0.6));
  for (let i = 0; i < yv.length; i++) {
    const kept = yv[i] !== 0;
    // + 0: a dropped negative is -0 (x * 0), as in tfjs
    assert.equal(yv[i] + 0, kept ? Math.fround(xv[i] * scale) : 0);
    assert.equal(dxv[i] + 0, kept ? Math.fround(dyv[i] * scale) : 0, `element ${i}: the gradient's mask is the forward's`);
  }
  // inference passes x through; an unseeded layer and one with a noise shape keep tfjs's call
  const { result: inferred, calls: inferenceCalls } = countKernelCalls(DROPOUT, () => layer.apply(x, { training: false }) as tf.Tensor);
  assert.equal(inferenceCalls, 0);
  assert.deepEqual(inferred.dataSync(), xv);
  for (const other of [tf.layers.dropout({ rate: 0.4 }), tf.layers.dropout({ rate: 0.4, seed: 3, noiseShape: [4, 1, 1, 8] })]) {
    const { calls: otherCalls } = countKernelCalls(DROPOUT, () => other.apply(x, { training: true }));
    assert.equal(otherCalls, 0, `${JSON.stringify(other.getConfig())} keeps tfjs's call`);
  }
});
