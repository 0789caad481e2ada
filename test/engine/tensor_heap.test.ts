// Tensors resident in engine memory: blocks reused by size, freed with their last tensor, split when full.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { engineStats, useEngine } from '../../src/engine/index.ts';
import { TensorHeap } from '../../src/engine/tensor_heap.ts';

const sharedMemory = () => new WebAssembly.Memory({ initial: 1, maximum: 64, shared: true });

test('a freed block is reused for the next tensor of its size, and only once every reference is gone', () => {
  const heap = new TensorHeap(sharedMemory(), 0, 1 << 20);
  const a = heap.alloc(1000)!;
  heap.retain(a);
  heap.retain(a); // a second tensor data entry on the same values
  heap.release(a);
  assert.notEqual(heap.alloc(1000)!.byteOffset, a.byteOffset, 'still referenced');
  heap.release(a);
  assert.equal(heap.alloc(1000)!.byteOffset, a.byteOffset);
});

test('views stay valid when the heap grows the memory, and a full heap says so with null', () => {
  const heap = new TensorHeap(sharedMemory(), 0, 4 << 20);
  const first = heap.alloc(16)!;
  first.fill(7);
  const big = heap.alloc(3 << 18)!; // 3 MiB: grows the memory
  big.fill(1);
  assert.deepEqual(Array.from(first), new Array(16).fill(7));
  assert.equal(heap.alloc(1 << 20), null, '4 MiB more does not fit');
});

test('a full heap splits a larger free block', () => {
  const heap = new TensorHeap(sharedMemory(), 0, 1 << 20);
  const big = heap.alloc((1 << 18) - 64)!; // nearly all of it
  heap.retain(big);
  heap.release(big);
  const small = heap.alloc(1000);
  assert.equal(small?.byteOffset, big.byteOffset);
  assert.ok(heap.stats().heapFreeBytes > 0, 'the rest stays free');
});

test('engine kernels keep their outputs resident and a chain of them leaves nothing behind', async () => {
  await useEngine({ threads: 2 });
  const x = tf.randomNormal([8, 32, 32, 16], 0, 1, 'float32', 1) as tf.Tensor4D;
  const f = tf.randomNormal([3, 3, 16, 16], 0, 1, 'float32', 2) as tf.Tensor4D;
  const before = engineStats().heapBytes;
  const y = tf.tidy(() => tf.maxPool(tf.relu(tf.conv2d(x, f, 1, 'same')), 2, 2, 'valid'));
  assert.ok(engineStats().heapBytes > before, 'the result lives in engine memory');
  const expected = tf.tidy(() => {
    const conv = tf.conv2d(x, f, 1, 'same');
    return Array.from(tf.maxPool(tf.relu(conv), 2, 2, 'valid').dataSync());
  });
  assert.deepEqual(Array.from(y.dataSync()), expected);
  y.dispose();
  assert.equal(engineStats().heapBytes, before, 'every intermediate and the result freed');
  tf.dispose([x, f]);
});
