// The engine's element-wise kernels (Add, Sub, Multiply, RealDiv, Relu, Step, Sqrt, Sum) against tfjs cpu.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { ENGINE_BACKEND, useEngine } from '../../src/engine/index.ts';

async function compareWithCpu(what: string, op: () => tf.Tensor): Promise<void> {
  await tf.setBackend(ENGINE_BACKEND);
  const engineOut = op();
  const engineValues = Array.from(engineOut.dataSync());
  await tf.setBackend('cpu');
  const cpuOut = op();
  await tf.setBackend(ENGINE_BACKEND);
  assert.deepEqual(engineOut.shape, cpuOut.shape, `${what} shape`);
  assert.equal(engineOut.dtype, cpuOut.dtype, `${what} dtype`);
  const cpuValues = Array.from(cpuOut.dataSync());
  for (let i = 0; i < cpuValues.length; i++) {
    const [e, c] = [engineValues[i], cpuValues[i]];
    const close = (Number.isNaN(e) && Number.isNaN(c)) || Math.abs(e - c) <= 1e-6 * Math.max(1, Math.abs(c));
    assert.ok(close, `${what} element ${i}: ${e} vs ${c}`);
  }
}

const rand = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);

test('binary ops equal tfjs cpu for same shapes, scalars and repeating (bias) operands on either side', async () => {
  await useEngine({ threads: 1 });
  const ops = { add: tf.add, sub: tf.sub, mul: tf.mul, div: tf.div } as const;
  const pairs: [number[], number[]][] = [
    [[2, 3, 4], [2, 3, 4]],
    [[2, 3, 4], []],
    [[], [5, 6]],
    [[4, 5, 6], [6]],
    [[6], [4, 5, 6]],
    [[3, 5], [1, 5]],
    [[3, 1], [1, 4]], // a true two-sided broadcast: left to the cpu kernel
  ];
  let seed = 1;
  for (const [name, op] of Object.entries(ops)) {
    for (const [aShape, bShape] of pairs) {
      const a = rand(aShape, seed++), b = rand(bShape, seed++);
      await compareWithCpu(`${name} ${JSON.stringify(aShape)} ${JSON.stringify(bShape)}`, () => op(a, b));
    }
  }
});

test('binary ops on int32 keep int32 results through the cpu kernel', async () => {
  await useEngine({ threads: 1 });
  const a = tf.tensor1d([7, -3, 5], 'int32'), b = tf.tensor1d([2, 2, 2], 'int32');
  await compareWithCpu('int add', () => tf.add(a, b));
  await compareWithCpu('int mul', () => tf.mul(a, b));
});

test('relu, step and sqrt equal tfjs cpu, NaN included', async () => {
  await useEngine({ threads: 1 });
  const x = tf.tensor1d([-2, -0.5, 0, 0.5, 3, NaN]);
  await compareWithCpu('relu', () => tf.relu(x));
  await compareWithCpu('step', () => tf.step(x));
  await compareWithCpu('step alpha', () => tf.step(x, 0.25));
  await compareWithCpu('sqrt', () => tf.sqrt(tf.abs(x)));
});

test('sum over leading axes (a bias gradient) equals tfjs cpu, with and without keepDims', async () => {
  await useEngine({ threads: 1 });
  const x = rand([4, 5, 6, 7], 100);
  await compareWithCpu('sum axes 0,1,2', () => tf.sum(x, [0, 1, 2]));
  await compareWithCpu('sum axes 1,0', () => tf.sum(x, [1, 0]));
  await compareWithCpu('sum axis 0 keepDims', () => tf.sum(x, 0, true));
  await compareWithCpu('sum axis 2 (cpu kernel)', () => tf.sum(x, 2));
  await compareWithCpu('sum all', () => tf.sum(x));
});

test('element-wise ops on large tensors, split over both threads in chunks, equal tfjs cpu', async () => {
  await useEngine({ threads: 2 });
  const big = [4, 33, 33, 32]; // 139,392 floats: above the threshold for threads, not a multiple of the chunk
  const x = () => tf.randomNormal(big, 0, 1, 'float32', 11);
  const y = () => tf.randomNormal(big, 0, 1, 'float32', 12);
  const bias = () => tf.randomNormal([32], 0, 1, 'float32', 13);
  await compareWithCpu('bias add', () => tf.add(x(), bias()));
  await compareWithCpu('bias first', () => tf.sub(bias(), x()));
  await compareWithCpu('same shape', () => tf.mul(x(), y()));
  await compareWithCpu('scalar', () => tf.div(x(), tf.scalar(3)));
  await compareWithCpu('relu', () => tf.relu(x()));
  await compareWithCpu('floor', () => tf.floor(x().mul(5)));
  await compareWithCpu('relu gradient', () => tf.grad((t: tf.Tensor) => tf.relu(t))(x(), y()));
});
