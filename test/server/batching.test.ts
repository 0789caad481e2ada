import test from 'node:test';
import assert from 'node:assert/strict';
import { BatchingClassifier } from '../../src/server/batching.ts';
import type { DigitClassifier } from '../../src/recognize/types.ts';
import { inkCountingClassifier } from './helpers.ts';

function imagesWithInk(...inks: number[]): Float32Array {
  const images = new Float32Array(inks.length * 784);
  inks.forEach((ink, n) => images.fill(1, n * 784, n * 784 + ink));
  return images;
}

function predictedDigits(probabilities: Float32Array): number[] {
  return Array.from({ length: probabilities.length / 10 }, (_, n) => {
    const row = Array.from(probabilities.subarray(n * 10, n * 10 + 10));
    return row.indexOf(Math.max(...row));
  });
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
  assert.deepEqual(answers.map(predictedDigits), [[1], [2, 3], [4]]);
});

test('calls arriving while the model is busy wait and go together in the next call', async () => {
  const counting = inkCountingClassifier();
  const batchSizes: number[] = [];
  let started!: () => void;
  const firstStarted = new Promise<void>((resolve) => (started = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const slow: DigitClassifier = {
    async classify(images, count) {
      batchSizes.push(count);
      started();
      await released;
      return counting.classify(images, count);
    },
  };
  const batching = new BatchingClassifier(slow);

  const first = batching.classify(imagesWithInk(1), 1);
  await firstStarted; // the model is now busy with the first call
  const later = [2, 3, 4, 5].map((ink) => batching.classify(imagesWithInk(ink), 1));
  release();
  const answers = await Promise.all([first, ...later]);

  assert.deepEqual(batchSizes, [1, 4]);
  assert.deepEqual(answers.map(predictedDigits), [[1], [2], [3], [4], [5]]);
});

test('a batch is cut at maxBatch digits', async () => {
  const inner = inkCountingClassifier();
  const batching = new BatchingClassifier(inner, 2);
  const answers = await Promise.all([1, 2, 3, 4, 5].map((ink) => batching.classify(imagesWithInk(ink), 1)));
  assert.equal(inner.calls, 3);
  assert.deepEqual(answers.map(predictedDigits), [[1], [2], [3], [4], [5]]);
});

test('a model failure reaches every caller in the batch, and the next batch runs', async () => {
  let fail = true;
  const flaky: DigitClassifier = {
    async classify(images, count) {
      if (fail) throw new Error('model broke');
      return inkCountingClassifier().classify(images, count);
    },
  };
  const batching = new BatchingClassifier(flaky);
  const results = await Promise.allSettled([batching.classify(imagesWithInk(1), 1), batching.classify(imagesWithInk(2), 1)]);
  assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);

  fail = false;
  assert.deepEqual(predictedDigits(await batching.classify(imagesWithInk(3), 1)), [3]);
});

test('a model that throws synchronously still answers every caller', async () => {
  const batching = new BatchingClassifier({
    classify() {
      throw new Error('sync failure');
    },
  });
  await assert.rejects(batching.classify(imagesWithInk(1), 1), /sync failure/);
});

test('evidence comes back with each caller\'s own rows, and is null when the model gives none', async () => {
  const inner = inkCountingClassifier();
  const withEvidence: DigitClassifier = {
    classify: (images, count) => inner.classify(images, count),
    async classifyWithEvidence(images, count) {
      const probabilities = await inner.classify(images, count);
      // evidence: the image's ink, in pixels
      const evidence = Float32Array.from({ length: count }, (_, n) => images.subarray(n * 784, (n + 1) * 784).reduce((a, b) => a + b, 0));
      return { probabilities, evidence };
    },
  };
  const batching = new BatchingClassifier(withEvidence);
  const answers = await Promise.all([batching.classifyWithEvidence(imagesWithInk(1), 1), batching.classifyWithEvidence(imagesWithInk(2, 3), 2)]);
  assert.equal(inner.calls, 1);
  assert.deepEqual(answers.map((a) => Array.from(a.evidence!)), [[1], [2, 3]]);
  assert.deepEqual(answers.map((a) => predictedDigits(a.probabilities)), [[1], [2, 3]]);

  const plain = await new BatchingClassifier(inkCountingClassifier()).classifyWithEvidence(imagesWithInk(5), 1);
  assert.equal(plain.evidence, null);
  assert.deepEqual(predictedDigits(plain.probabilities), [5]);
});
