import test from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { createServer } from '../../src/server/index.ts';
import { seededRandom } from '../../src/vision/index.ts';
import { encodeBmp } from '../image/fixtures.ts';
import { drawNumber, inkCountingClassifier, inkToPaper, numberPng } from './helpers.ts';

const contentTypes = ['image/png', 'image/jpeg', 'image/webp', 'image/gif', 'image/bmp', 'application/octet-stream', 'application/json'];

test('hundreds of random and mutated bodies get answers below 500, and the server keeps serving', async () => {
  const random = seededRandom(6);
  const app = await createServer({ classifier: inkCountingClassifier() });
  const page = inkToPaper(drawNumber('49', 40, 10, 10).ink);
  const raw = await page.clone().ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const valid = [
    await page.clone().png().toBuffer(),
    await page.clone().jpeg().toBuffer(),
    await page.clone().webp().toBuffer(),
    await page.clone().gif().toBuffer(),
    Buffer.from(encodeBmp({ width: raw.info.width, height: raw.info.height, data: raw.data }, 24)),
  ];

  const statuses = new Map<number, number>();
  for (let i = 0; i < 300; i++) {
    let body: Buffer;
    if (i % 3 === 0) {
      // pure noise of random length
      body = Buffer.from(Array.from({ length: Math.floor(random() * 2000) }, () => Math.floor(random() * 256)));
    } else {
      // a real image with bytes flipped, or cut short, or both
      const source = valid[i % valid.length];
      body = Buffer.from(source);
      const flips = Math.floor(random() * 8);
      for (let f = 0; f < flips; f++) body[Math.floor(random() * body.length)] = Math.floor(random() * 256);
      if (random() < 0.4) body = body.subarray(0, Math.floor(random() * body.length));
    }
    const contentType = contentTypes[Math.floor(random() * contentTypes.length)];
    const response = await app.inject({ method: 'POST', url: '/api/predict', headers: { 'content-type': contentType }, payload: body });
    statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
    assert.ok(response.statusCode < 500, `body ${i} (${contentType}, ${body.length} bytes) got ${response.statusCode}: ${response.body}`);
    if (response.statusCode !== 200) assert.equal(typeof response.json().error.code, 'string');
  }
  assert.ok((statuses.get(422) ?? 0) > 50, `most noise should be refused as undecodable: ${[...statuses]}`);

  const after = await app.inject({ method: 'POST', url: '/api/predict', headers: { 'content-type': 'image/png' }, payload: await numberPng('1') });
  assert.equal(after.statusCode, 200);
  await app.close();
});
