// The real MNIST files, when DIGITS_DATA_DIR points at them (CI sets it to ../shared/data/mnist).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'node:test';
import assert from 'node:assert/strict';
import { ensureMnist, loadMnist, MNIST_FILES } from '../../src/data/index.ts';
import { tempDir } from './tiny-mnist.ts';

const dataDir = process.env.DIGITS_DATA_DIR;

test('the real training set has 60000 28x28 images, starting with the labels 5, 0, 4, 1', async (t) => {
  if (!dataDir) return t.skip('DIGITS_DATA_DIR not set');
  const train = await loadMnist('train', { dataDir, download: false });
  assert.deepEqual([train.count, train.rows, train.cols], [60000, 28, 28]);
  assert.equal(train.images.length, 60000 * 28 * 28);
  assert.deepEqual([...train.labels.subarray(0, 4)], [5, 0, 4, 1]);
  const counts = new Array(10).fill(0);
  for (const label of train.labels) counts[label]++;
  assert.ok(counts.every((n) => n > 5000), `every digit is well represented: ${counts}`);
});

test('the real test set has 10000 images, starting with the labels 7, 2, 1, 0', async (t) => {
  if (!dataDir) return t.skip('DIGITS_DATA_DIR not set');
  const testSet = await loadMnist('test', { dataDir, download: false });
  assert.equal(testSet.count, 10000);
  assert.deepEqual([...testSet.labels.subarray(0, 4)], [7, 2, 1, 0]);
  // MNIST digits are white ink on black: the corner pixel of the first image is background.
  assert.equal(testSet.images[0], 0);
  assert.ok(Math.max(...testSet.images.subarray(0, 784)) > 200, 'and the digit itself is bright');
});

test('the real files download intact from a mirror into an empty folder', async (t) => {
  if (!dataDir) return t.skip('DIGITS_DATA_DIR not set');
  const server = createServer(async (request, response) => {
    const name = (request.url ?? '').split('/').pop() ?? '';
    if (!MNIST_FILES.some((f) => `${f.name}.gz` === name)) return void response.writeHead(404).end();
    const body = await readFile(join(dataDir, name));
    response.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mnist/`;

  const dir = await tempDir(t);
  const report = await ensureMnist({ dataDir: dir, mirrors: [mirror], onProgress: () => {} });
  assert.equal(report.ok, true, JSON.stringify(report.files));
  assert.deepEqual(report.files.map((f) => [f.state, f.count]), [['downloaded', 60000], ['downloaded', 60000], ['downloaded', 10000], ['downloaded', 10000]]);
  assert.deepEqual(report.files.map((f) => f.sha256), MNIST_FILES.map((f) => f.sha256));
});
