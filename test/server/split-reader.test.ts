import test from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { IN_THREAD_PIXELS, inThreadReader, splitReader } from '../../src/server/image-reader.ts';
import type { ImageReader } from '../../src/server/image-reader.ts';
import type { ReadImageOptions } from '../../src/server/read-image.ts';
import type { Reading } from '../../src/recognize/types.ts';
import { drawNumber, inkCountingClassifier, inkToPaper, numberPng } from './helpers.ts';

/** A stand-in for the worker pool that records what it was given and reads it on this thread. */
function recordingPool(limits: ReadImageOptions = {}): ImageReader & { sent: Uint8Array[] } {
  const reader = inThreadReader(inkCountingClassifier(), limits);
  const sent: Uint8Array[] = [];
  return { sent, read: (bytes) => (sent.push(bytes), reader.read(bytes)), close: async () => {} };
}

test('a small PNG is read on this thread, with the same reading the pool would give', async () => {
  const pool = recordingPool();
  const reader = splitReader(inkCountingClassifier(), {}, pool);
  const png = await numberPng('47');

  const reading = await reader.read(png);

  assert.equal(pool.sent.length, 0);
  assert.deepEqual(reading, await inThreadReader(inkCountingClassifier(), {}).read(png));
  assert.equal(reading.items.length, 2);
});

test('photos, big PNGs and broken PNGs go to the pool', async () => {
  const pool = recordingPool();
  const reader = splitReader(inkCountingClassifier(), {}, pool);
  const page = drawNumber('5', 400, 20, 100); // 600 x 600 pixels: over IN_THREAD_PIXELS
  assert.ok(page.ink.width * page.ink.height > IN_THREAD_PIXELS);
  const bigPng = await inkToPaper(page.ink).png().toBuffer();
  const jpeg = await sharp(await numberPng('5')).jpeg().toBuffer();
  const truncated = (await numberPng('5')).subarray(0, 200);

  const readings = await Promise.allSettled([reader.read(bigPng), reader.read(jpeg), reader.read(truncated)]);

  assert.equal(pool.sent.length, 3);
  assert.deepEqual(readings.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected']);
  assert.equal((readings[0] as PromiseFulfilledResult<Reading>).value.items.length, 1);
  assert.equal(((readings[2] as PromiseRejectedResult).reason as { code: string }).code, 'corrupt-image');
});

test('a small PNG over a lowered pixel limit goes to the pool, which refuses it', async () => {
  const limits = { maxPixels: 100 };
  const pool = recordingPool(limits);
  const reader = splitReader(inkCountingClassifier(), limits, pool);
  await assert.rejects(reader.read(await numberPng('1')), { code: 'image-too-large' });
  assert.equal(pool.sent.length, 1);
});
