import test from 'node:test';
import assert from 'node:assert/strict';
import { BatchingClassifier } from '../../src/server/batching.ts';
import { inkCountingClassifier } from './helpers.ts';

function imagesWithInk(...inks: number[]): Float32Array {
  const images = new Float32Array(inks.length * 784);
  inks.forEach((ink, n) => images.fill(1, n * 784, n * 784 + ink));
  return images;
}

test('calls made together run as one model call, and each caller gets its own rows', async () => {
  const inner = inkCountingClassifier();
  const batching = new BatchingClassifier(inner);

  const answers = await Promise.all([
    batching.classify(imagesWithInk(1), 1),
    batching.classify(imagesWithInk(2, 3), 2),
    batching.classify(imagesWithInk(4), 1),
  ]);

  assert.equal(inner.calls, 1);
  assert.equal(inner.images, 4);
  const predicted = answers.map((p) => Array.from({ length: p.length / 10 }, (_, n) => {
    const row = Array.from(p.subarray(n * 10, n * 10 + 10));
    return row.indexOf(Math.max(...row));
  }));
  assert.deepEqual(predicted, [[1], [2, 3], [4]]);
});

test('a batch is cut at maxBatch images', async () => {
  const inner = inkCountingClassifier();
  const batching = new BatchingClassifier(inner, 2);
  await Promise.all([1, 2, 3, 4, 5].map((ink) => batching.classify(imagesWithInk(ink), 1)));
  assert.equal(inner.calls, 3);
});

test('a model failure reaches every caller in the batch', async () => {
  const batching = new BatchingClassifier({ classify: async () => { throw new Error('model broke'); } });
  const results = await Promise.allSettled([batching.classify(imagesWithInk(1), 1), batching.classify(imagesWithInk(2), 1)]);
  assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
});
