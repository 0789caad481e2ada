import test from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from '../../src/server/index.ts';
import { WorkerPoolReader } from '../../src/server/image-reader.ts';
import { VERDICT_SIZE, type DigitClassifier, type Reading } from '../../src/recognize/types.ts';
import { drawNumber, inkCountingClassifier, inkToPaper, numberPng } from './helpers.ts';

test('with image worker threads, images read the same as on the main thread, and bad ones fail the same', async (t) => {
  const classifier = inkCountingClassifier();
  // A generous deadline: workers start by compiling their modules, which a loaded CI machine can make slow.
  const pooled = await createServer({ classifier, imageWorkers: 2, timeoutMs: 60_000 });
  const inThread = await createServer({ classifier });
  t.after(() => Promise.all([pooled.close(), inThread.close()])); // a failed assertion must not leave workers running
  // small PNGs are decoded on the main thread and sent decoded; a bigger one (480x260) goes as bytes
  const bigPage = await inkToPaper(drawNumber('58', 200).ink).png().toBuffer();
  const pages = [...(await Promise.all(['31', '4', '905'].map((digits) => numberPng(digits)))), bigPage];
  const post = (app: typeof pooled, payload: Buffer) =>
    app.inject({ method: 'POST', url: '/api/predict', headers: { 'content-type': 'image/png' }, payload });

  const fromPool = await Promise.all(pages.map((page) => post(pooled, page)));
  const fromThread = await Promise.all(pages.map((page) => post(inThread, page)));
  const truncated = await post(pooled, pages[0].subarray(0, 60));

  assert.deepEqual(fromPool.map((r) => r.statusCode), [200, 200, 200, 200]);
  assert.deepEqual(fromPool.map((r) => r.json<Reading>()), fromThread.map((r) => r.json<Reading>()));
  assert.deepEqual(fromPool.map((r) => r.json<Reading>().items.length), [2, 1, 3, 2]);
  assert.equal(truncated.statusCode, 422);
  assert.equal(truncated.json().error.code, 'corrupt-image');
});

test('a worker still busy with an image after the deadline is replaced, failing that read, and the pool keeps reading', async (t) => {
  let hang = true;
  const classifier: DigitClassifier = {
    classify: (images, count) => (hang ? new Promise(() => {}) : inkCountingClassifier().classify(images, count)),
  };
  // 5 s: long enough for a replacement worker to start and read on a loaded machine.
  const reader = new WorkerPoolReader(classifier, {}, 1, 5000);
  t.after(() => reader.close());
  const png = await numberPng('6');

  await assert.rejects(reader.read(png), /image worker stopped/); // without the watchdog this would never settle

  hang = false;
  const reading = await reader.read(png);
  assert.equal(reading.items.length, 1);
});

test("image workers ask the main thread for the model's verifier where a line offers a choice, as reading in-thread does", async () => {
  const counts = { pool: 0, thread: 0 };
  const withVerifier = (key: 'pool' | 'thread'): DigitClassifier => ({
    ...inkCountingClassifier(),
    async verify(images, count) {
      counts[key] += count;
      // more sure of one digit for more ink, and of a digit that depends on the ink: a deterministic word that
      // the reading depends on
      const verdicts = new Float32Array(count * VERDICT_SIZE);
      for (let k = 0; k < count; k++) {
        const mass = images.subarray(k * 784, (k + 1) * 784).reduce((a, v) => a + v, 0);
        const oneDigit = Math.min(1, 0.05 + mass / 200);
        for (let d = 0; d < 10; d++) verdicts[k * VERDICT_SIZE + d] = oneDigit * (d === Math.floor(mass) % 10 ? 0.5 : 0.5 / 9);
        verdicts[k * VERDICT_SIZE + 10] = 1 - oneDigit;
      }
      return verdicts;
    },
  });
  const pool = new WorkerPoolReader(withVerifier('pool'), {}, 1, 60_000);
  try {
    const touching = await inkToPaper(drawNumber('000', 60, -30).ink).png().toBuffer(); // three 0s touching: where to cut?
    const pages = [touching, await numberPng('4')];
    const pooled = await Promise.all(pages.map((page) => pool.read(page)));
    const { readImageBytes } = await import('../../src/server/read-image.ts');
    const inThread = await Promise.all(pages.map((page) => readImageBytes(page, withVerifier('thread'))));
    assert.deepEqual(pooled, inThread);
    assert.ok(counts.thread > 0, 'the touching digits offer a choice');
    assert.equal(counts.pool, counts.thread);
  } finally {
    await pool.close();
  }
});
