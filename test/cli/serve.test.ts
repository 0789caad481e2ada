import test from 'node:test';
import assert from 'node:assert/strict';
import { numberPng } from '../server/helpers.ts';
import { rm } from 'node:fs/promises';
import { runDigits, startDigitsServe, tinyModelDir } from './run-digits.ts';

test('digits serve listens where told, prints its URL, and answers health and predictions', async () => {
  const model = await tinyModelDir();
  const { url, child } = await startDigitsServe(['--port', '0', '--host', '127.0.0.1', '--image-workers', '1', '--model', model]);
  try {
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await fetch(`${url}/api/health`);
    assert.equal(health.status, 200);
    assert.equal(health.headers.get('cross-origin-embedder-policy'), 'require-corp');
    const status = await health.json();
    assert.equal(status.model.arch, 'small-cnn');
    assert.equal(status.engine.backend, 'digits-engine');
    const prediction = await fetch(`${url}/api/predict`, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: new Blob([new Uint8Array(await numberPng('3'))]),
    });
    assert.equal(prediction.status, 200);
    assert.equal((await prediction.json()).items.length, 1);
  } finally {
    child.kill('SIGTERM');
    await rm(model, { recursive: true });
  }
});

test('digits serve with a model that does not load fails at startup with a clear message', () => {
  const { status, stderr } = runDigits(['serve', '--port', '0', '--model', '/nonexistent/model-dir']);
  assert.equal(status, 1);
  assert.match(stderr, /cannot load the model from \/nonexistent\/model-dir/);
});

test('a bad PORT is a usage error', () => {
  const { status, stderr } = runDigits(['serve', '--model', '/nonexistent/model-dir'], { PORT: 'eighty' });
  assert.equal(status, 2);
  assert.match(stderr, /PORT must be an integer/);
});
