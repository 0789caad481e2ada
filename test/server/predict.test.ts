import test from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from '../../src/server/index.ts';
import type { Reading } from '../../src/recognize/types.ts';
import { drawNumber, inkCountingClassifier, inkToPaper, multipartBody, numberPng, pixelsWithInk } from './helpers.ts';

test('a PNG of a handwritten number reads one item per digit, left to right, boxed where each was drawn', async () => {
  const app = await createServer({ classifier: inkCountingClassifier() });
  const { ink, boxes } = drawNumber('2026');
  const png = await inkToPaper(ink).png().toBuffer();

  const response = await app.inject({ method: 'POST', url: '/api/predict', headers: { 'content-type': 'image/png' }, payload: png });

  assert.equal(response.statusCode, 200);
  const reading = response.json<Reading>();
  assert.equal(reading.items.length, 4);
  assert.equal(reading.digits, reading.items.map((item) => item.digit).join(''));
  reading.items.forEach((item, i) => {
    const [x, y, w, h] = item.box;
    const [dx, , dw] = boxes[i];
    const centre = x + w / 2;
    assert.ok(centre > dx && centre < dx + dw, `item ${i} centre ${centre} should be inside drawn digit ${dx}..${dx + dw}`);
    assert.ok(y >= 0 && h > 0 && y + h <= ink.height);
    assert.equal(item.probabilities.length, 10);
  });
  await app.close();
});

test('a JPEG, a multipart upload and a PNG of the same page read the same', async () => {
  const app = await createServer({ classifier: inkCountingClassifier() });
  const { ink } = drawNumber('38');
  const png = await inkToPaper(ink).png().toBuffer();
  const jpeg = await inkToPaper(ink).jpeg({ quality: 95 }).toBuffer();

  const fromPng = await app.inject({ method: 'POST', url: '/api/predict', headers: { 'content-type': 'image/png' }, payload: png });
  const fromJpeg = await app.inject({ method: 'POST', url: '/api/predict', headers: { 'content-type': 'image/jpeg' }, payload: jpeg });
  const form = multipartBody('image', 'page.png', 'image/png', png);
  const fromForm = await app.inject({ method: 'POST', url: '/api/predict', ...form });

  assert.equal(fromPng.statusCode, 200);
  assert.equal(fromJpeg.statusCode, 200);
  assert.equal(fromForm.statusCode, 200);
  assert.equal(fromPng.json<Reading>().items.length, 2);
  assert.equal(fromJpeg.json<Reading>().items.length, 2);
  assert.deepEqual(fromForm.json(), fromPng.json());
  await app.close();
});

test('JSON pixels are a ready 28x28 digit, classified as given', async () => {
  const classifier = inkCountingClassifier();
  const app = await createServer({ classifier });

  const response = await app.inject({ method: 'POST', url: '/api/predict', payload: { pixels: pixelsWithInk(23) } });

  assert.equal(response.statusCode, 200);
  const reading = response.json<Reading>();
  assert.equal(reading.digits, '3'); // 23 full pixels: the fake answers 23 mod 10, so nothing rescaled them
  assert.equal(reading.items[0].confidence, reading.confidence);
  assert.deepEqual(reading.items[0].box, [0, 0, 28, 28]);
  await app.close();
});

test('a blank page and blank pixels read as no digits', async () => {
  const app = await createServer({ classifier: inkCountingClassifier() });
  const blankPage = await inkToPaper(drawNumber('').ink).png().toBuffer();

  const page = await app.inject({ method: 'POST', url: '/api/predict', headers: { 'content-type': 'image/png' }, payload: blankPage });
  const pixels = await app.inject({ method: 'POST', url: '/api/predict', payload: { pixels: pixelsWithInk(0) } });

  for (const response of [page, pixels]) {
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { digits: '', confidence: 1, items: [] });
  }
  await app.close();
});

test('concurrent requests are classified together in one batch', async () => {
  const classifier = inkCountingClassifier();
  const app = await createServer({ classifier });
  const png = await numberPng('7');

  const responses = await Promise.all(
    Array.from({ length: 8 }, (_, i) =>
      i % 2
        ? app.inject({ method: 'POST', url: '/api/predict', payload: { pixels: pixelsWithInk(i) } })
        : app.inject({ method: 'POST', url: '/api/predict', headers: { 'content-type': 'image/png' }, payload: png }),
    ),
  );

  assert.ok(responses.every((r) => r.statusCode === 200));
  responses.forEach((r, i) => {
    if (i % 2) assert.equal(r.json<Reading>().digits, String(i)); // each answer went back to its own request
  });
  assert.equal(classifier.images, 8);
  assert.ok(classifier.calls < 8, `expected batching, got ${classifier.calls} model calls for 8 digits`);
  await app.close();
});

test('a page with no digits, only ruled lines and specks of dust, reads as no digits', async () => {
  const app = await createServer({ classifier: inkCountingClassifier() });
  const { ink } = drawNumber('000'); // just for the page size: cleared below
  ink.data.fill(0);
  for (const y of [20, 50, 80, 110]) for (let x = 0; x < ink.width; x++) if (y < ink.height) ink.data[y * ink.width + x] = 0.5;
  for (const [x, y] of [[40, 35], [130, 64], [200, 95]]) ink.data[y * ink.width + x] = 1;

  const response = await app.inject({
    method: 'POST',
    url: '/api/predict',
    headers: { 'content-type': 'image/png' },
    payload: await inkToPaper(ink).png().toBuffer(),
  });

  assert.equal(response.statusCode, 200);
  assert.equal(response.json<Reading>().digits, '');
  await app.close();
});

test('a photo bigger than the working size is read on a shrunk copy, with boxes in its own pixels', async () => {
  const app = await createServer({ classifier: inkCountingClassifier(), workingPixels: 100_000 });
  const { ink, boxes } = drawNumber('47', 300, 100, 200); // 1100 x 700 = 770 000 px: shrunk about 2.8 times a side

  const response = await app.inject({
    method: 'POST',
    url: '/api/predict',
    headers: { 'content-type': 'image/jpeg' },
    payload: await inkToPaper(ink).jpeg().toBuffer(),
  });

  assert.equal(response.statusCode, 200);
  const items = response.json<Reading>().items;
  assert.equal(items.length, 2);
  items.forEach((item, i) => {
    const [x, y, w, h] = item.box;
    const [dx, dy, dw, dh] = boxes[i];
    // within a few source pixels of the drawn box (the pen's width spills a little beyond it)
    assert.ok(Math.abs(x - dx) < 30 && Math.abs(y - dy) < 30, `box ${item.box} vs drawn ${boxes[i]}`);
    assert.ok(Math.abs(x + w - (dx + dw)) < 30 && Math.abs(y + h - (dy + dh)) < 30, `box ${item.box} vs drawn ${boxes[i]}`);
  });
  await app.close();
});
