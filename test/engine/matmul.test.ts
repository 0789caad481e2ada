// MatMul kernels of the engine backend against tfjs's own cpu kernels.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { ENGINE_BACKEND, engineStats, useEngine } from '../../src/engine/index.ts';

// max abs diff <= 1e-4 * max(1, max |expected|)
function assertCloseToCpu(engineValues: Float32Array | Int32Array | Uint8Array, cpuValues: Float32Array | Int32Array | Uint8Array): void {
  assert.equal(engineValues.length, cpuValues.length);
  let scale = 1;
  for (const v of cpuValues) scale = Math.max(scale, Math.abs(v));
  let diff = 0;
  for (let i = 0; i < cpuValues.length; i++) diff = Math.max(diff, Math.abs(engineValues[i] - cpuValues[i]));
  assert.ok(diff <= 1e-4 * scale, `max abs diff ${diff} exceeds ${1e-4 * scale}`);
}

/** Runs `op` on the engine backend and on cpu, over the same inputs, and compares. */
async function compareWithCpu(op: () => tf.Tensor): Promise<void> {
  await tf.setBackend(ENGINE_BACKEND);
  const engineOut = op();
  const engineValues = engineOut.dataSync();
  const shape = engineOut.shape;
  await tf.setBackend('cpu');
  const cpuOut = op();
  assert.deepEqual(shape, cpuOut.shape);
  assertCloseToCpu(engineValues, cpuOut.dataSync());
  await tf.setBackend(ENGINE_BACKEND);
}

function randomTensor(shape: number[], seed: number): tf.Tensor {
  return tf.randomNormal(shape, 0, 1, 'float32', seed);
}

const cases: [number, number, number][] = [
  [1, 1, 1],
  [1, 784, 10],
  [7, 13, 5],
  [65, 33, 129],
  [128, 300, 64],
];

test('matMul equals tfjs cpu on odd shapes and every transpose', async () => {
  await useEngine({ threads: 2 });
  let seed = 10;
  for (const [M, K, N] of cases) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        const a = randomTensor(ta ? [K, M] : [M, K], seed++);
        const b = randomTensor(tb ? [N, K] : [K, N], seed++);
        await compareWithCpu(() => tf.matMul(a, b, ta, tb));
      }
    }
  }
});

test('batched matMul equals tfjs cpu, including a broadcast batch', async () => {
  await useEngine({ threads: 2 });
  await compareWithCpu(() => tf.matMul(randomTensor([3, 5, 7], 1), randomTensor([3, 7, 4], 2)));
  await compareWithCpu(() => tf.matMul(randomTensor([2, 3, 5, 7], 3), randomTensor([1, 7, 4], 4), false, false));
  await compareWithCpu(() => tf.matMul(randomTensor([4, 9, 6], 5), randomTensor([4, 11, 9], 6), true, true));
});

test('fused matMul with bias and relu equals tfjs cpu', async () => {
  await useEngine({ threads: 2 });
  for (const activation of ['linear', 'relu'] as const) {
    const a = randomTensor([33, 70], 7);
    const b = randomTensor([70, 19], 8);
    const bias = randomTensor([19], 9);
    await compareWithCpu(() => tf.fused.matMul({ a, b, bias, activation }));
    await compareWithCpu(() => tf.fused.matMul({ a, b, activation, transposeB: false }));
  }
});

test('fused matMul falls back to cpu for activations the engine does not fuse', async () => {
  await useEngine({ threads: 2 });
  const a = randomTensor([5, 6], 10);
  const b = randomTensor([6, 3], 11);
  await compareWithCpu(() => tf.fused.matMul({ a, b, bias: randomTensor([5, 3], 12), activation: 'elu' }));
});

test('int32 matMul still works through the cpu fallback', async () => {
  await useEngine({ threads: 1 });
  const a = tf.tensor2d([[1, 2], [3, 4]], [2, 2], 'int32');
  const b = tf.tensor2d([[5], [6]], [2, 1], 'int32');
  await compareWithCpu(() => tf.matMul(a, b));
});

test('one thread and two threads give the same matMul result', async () => {
  const a = randomTensor([256, 300], 13);
  const b = randomTensor([300, 200], 14);
  await useEngine({ threads: 1 });
  const one = tf.matMul(a, b).dataSync();
  await useEngine({ threads: 2 });
  const two = tf.matMul(a, b).dataSync();
  assert.deepEqual(Array.from(two), Array.from(one));
});

test('weights used again are served from the packed cache, with the same result, and freed with their tensor', async () => {
  await useEngine({ threads: 2 });
  const weights = randomTensor([300, 64], 20);
  const x = randomTensor([3, 300], 21);
  const cacheBefore = engineStats().cacheBytes;
  const first = tf.matMul(x, weights).dataSync();
  assert.equal(engineStats().cacheBytes, cacheBefore, 'a first use is not cached');
  const second = tf.matMul(x, weights).dataSync();
  assert.ok(engineStats().cacheBytes > cacheBefore, 'the second use is cached');
  const third = tf.matMul(x, weights).dataSync();
  assert.deepEqual(Array.from(second), Array.from(first));
  assert.deepEqual(Array.from(third), Array.from(first));
  weights.dispose();
  assert.equal(engineStats().cacheBytes, cacheBefore, 'disposing the weights frees their packing');
});
