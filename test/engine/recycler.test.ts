// The engine reuses disposed tensors' output arrays (resident heap blocks, or JavaScript arrays with an unshared
// memory); values a caller holds must never change under it.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { engineStats, useEngine } from '../../src/engine/index.ts';
import { ArrayRecycler } from '../../src/engine/recycler.ts';

const BIG = [2, 32, 32, 16]; // 32 Ki floats: large enough to be recycled

test('an array comes back for reuse only after every tensor data entry using it is gone', () => {
  const recycler = new ArrayRecycler();
  const values = recycler.take(1 << 16);
  recycler.retain(values);
  recycler.retain(values.subarray(0, 100)); // a second tensor viewing the same buffer (a cpu slice)
  recycler.release(values);
  assert.equal(recycler.bytes(), 0, 'still referenced by the view');
  assert.notEqual(recycler.take(1 << 16).buffer, values.buffer);
  recycler.release(values.subarray(0, 100));
  assert.equal(recycler.bytes(), values.byteLength);
  assert.equal(recycler.take(1 << 16).buffer, values.buffer, 'the same length reuses it');
  assert.equal(recycler.bytes(), 0);
});

test('arrays the recycler did not hand out, and small ones, are never pooled', () => {
  const recycler = new ArrayRecycler();
  const foreign = new Float32Array(1 << 16);
  recycler.retain(foreign);
  recycler.release(foreign);
  const small = recycler.take(100);
  recycler.retain(small);
  recycler.release(small);
  assert.equal(recycler.bytes(), 0);
  assert.equal(recycler.owns(foreign), false);
});

test('values read with dataSync inside tidy survive the tensor and later kernels that reuse its array', async () => {
  await useEngine({ threads: 1 });
  const x = tf.randomNormal(BIG, 0, 1, 'float32', 3);
  const kept = tf.tidy(() => tf.relu(x).dataSync());
  const expected = Float32Array.from(kept);
  for (let i = 0; i < 4; i++) tf.tidy(() => tf.mul(x, -1 - i).dataSync()); // same size: reuses the relu's array
  const { recycledBytes, heapFreeBytes } = engineStats();
  assert.ok(recycledBytes + heapFreeBytes > 0, 'disposed outputs were kept for reuse');
  assert.deepEqual(kept, expected);
  x.dispose();
});

test('a slice sharing an engine output array keeps its values after the output is disposed', async () => {
  await useEngine({ threads: 1 });
  const x = tf.randomNormal(BIG, 0, 1, 'float32', 4);
  const y = tf.relu(x);
  const firstImage = tf.slice(y, [0], [1]); // cpu slice: a contiguous view of y's array
  const expected = Float32Array.from(firstImage.dataSync());
  y.dispose();
  for (let i = 0; i < 4; i++) tf.tidy(() => tf.mul(x, 7));
  assert.deepEqual(firstImage.dataSync(), expected);
  tf.dispose([x, firstImage]);
});
