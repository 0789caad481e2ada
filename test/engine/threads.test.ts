// The engine's worker pool: thread counts, restarting, stopping, and never keeping Node alive.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { disposeEngine, engineStats, useEngine } from '../../src/engine/index.ts';

test('useEngine starts the requested number of threads and can change it', async () => {
  assert.equal((await useEngine({ threads: 2 })).threads, 2);
  assert.equal((await useEngine({ threads: 1 })).threads, 1);
  const info = await useEngine({ threads: 2 });
  assert.deepEqual(info, { backend: 'digits-engine', threads: 2, simd: true });
  assert.equal(tf.getBackend(), 'digits-engine');
});

test('useEngine rejects a thread count that is not a positive integer, naming it', async () => {
  await assert.rejects(useEngine({ threads: 0 }), /threads must be an integer from 1 to 256, got 0/);
  await assert.rejects(useEngine({ threads: 1.5 }), /got 1\.5/);
});

test('after disposeEngine the backend still computes, on one thread', async () => {
  await useEngine({ threads: 2 });
  const a = tf.randomNormal([64, 80], 0, 1, 'float32', 1), b = tf.randomNormal([80, 48], 0, 1, 'float32', 2);
  const before = tf.matMul(a, b).dataSync();
  await disposeEngine();
  const after = tf.matMul(a, b).dataSync();
  assert.deepEqual(Array.from(after), Array.from(before));
});

test('the memory arena is reused: repeated kernel calls do not grow WebAssembly memory', async () => {
  await useEngine({ threads: 2 });
  const x = tf.randomNormal([4, 16, 16, 8], 0, 1, 'float32', 3) as tf.Tensor4D;
  const f = tf.randomNormal([3, 3, 8, 16], 0, 1, 'float32', 4) as tf.Tensor4D;
  tf.conv2d(x, f, 1, 'same').dispose();
  const first = engineStats();
  for (let i = 0; i < 200; i++) tf.tidy(() => tf.conv2d(x, f, 1, 'same'));
  const later = engineStats();
  assert.equal(later.memoryBytes, first.memoryBytes);
  assert.equal(later.arenaHighWaterBytes, first.arenaHighWaterBytes);
  assert.equal(later.arenaBytes, 0, 'nothing held between calls');
});

test('a process using two engine threads exits on its own', () => {
  const script = `
    import * as tf from '@tensorflow/tfjs';
    import { useEngine } from './src/engine/index.ts';
    await useEngine({ threads: 2 });
    console.log(tf.matMul(tf.ones([300, 300]), tf.ones([300, 300])).dataSync()[0]);
  `;
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(result.signal, null, 'killed by the timeout: the workers kept the process alive');
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout.trim(), '300');
});

test('a filter gradient on two threads is the same to the bit every time (its summation order never depends on timing)', async () => {
  await useEngine({ threads: 2 });
  const x = tf.randomNormal([8, 20, 20, 16], 0, 1, 'float32', 5) as tf.Tensor4D;
  const dy = tf.randomNormal([8, 20, 20, 32], 0, 1, 'float32', 6) as tf.Tensor4D;
  const f = tf.randomNormal([3, 3, 16, 32], 0, 1, 'float32', 8) as tf.Tensor4D;
  const dW = () => tf.tidy(() => tf.grad((w: tf.Tensor) => tf.conv2d(x, w as tf.Tensor4D, 1, 'same'))(f, dy).dataSync());
  const first = dW();
  for (let i = 0; i < 20; i++) assert.deepEqual(dW(), first, `run ${i + 2}`);
  tf.dispose([x, dy, f]);
});

test('a job finishes even when the caller does every work unit before a worker wakes', async () => {
  await useEngine({ threads: 2 });
  // tiny kernels back to back: workers often join late or not at all, and must never see a later job's record
  const a = tf.randomNormal([200, 200], 0, 1, 'float32', 7); // 16 MFLOP: split over both threads
  const product = () => {
    const c = tf.matMul(a, a);
    const values = c.dataSync(); // not returned from tf.tidy, which would walk every element
    c.dispose();
    return values;
  };
  const expected = product();
  for (let i = 0; i < 500; i++) {
    const got = product();
    if (i % 100 === 0) assert.deepEqual(got, expected);
  }
  a.dispose();
});

test('a filter gradient is the same to the bit on one thread and on two', async () => {
  const x = tf.randomNormal([8, 20, 20, 16], 0, 1, 'float32', 9) as tf.Tensor4D;
  const dy = tf.randomNormal([8, 20, 20, 32], 0, 1, 'float32', 10) as tf.Tensor4D;
  const f = tf.randomNormal([3, 3, 16, 32], 0, 1, 'float32', 11) as tf.Tensor4D;
  const dW = () => tf.tidy(() => tf.grad((w: tf.Tensor) => tf.conv2d(x, w as tf.Tensor4D, 1, 'same'))(f, dy).dataSync());
  await useEngine({ threads: 1 });
  const one = dW();
  await useEngine({ threads: 2 });
  assert.deepEqual(dW(), one);
  tf.dispose([x, dy, f]);
});
