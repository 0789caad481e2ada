import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { numberPng } from '../server/helpers.ts';
import { runDigits, tinyModelDir } from './run-digits.ts';

test('digits predict --json prints one JSON line per file, an error line for a bad one, and exits 1', async () => {
  const model = await tinyModelDir();
  const dir = await mkdtemp(join(tmpdir(), 'digits-predict-cli-'));
  const good = join(dir, 'number.png');
  const bad = join(dir, 'bad.png');
  await writeFile(good, await numberPng('42'));
  await writeFile(bad, 'not an image');

  const { status, stdout } = runDigits(['predict', '--model', model, '--json', good, bad]);

  const lines = stdout.trim().split('\n').map((line) => JSON.parse(line));
  assert.equal(lines.length, 2);
  assert.equal(lines[0].file, good);
  assert.match(lines[0].digits, /^\d{2}$/); // an untrained model: which digits is chance
  assert.equal(lines[0].items.length, 2);
  assert.equal(lines[0].items[0].probabilities.length, 10);
  assert.equal(lines[1].file, bad);
  assert.match(lines[1].error, /not a PNG, JPEG, WebP, GIF or BMP/);
  assert.equal(status, 1);
  await rm(dir, { recursive: true });
  await rm(model, { recursive: true });
});

test('digits predict prints a line per file in text', async () => {
  const model = await tinyModelDir();
  const dir = await mkdtemp(join(tmpdir(), 'digits-predict-cli-'));
  const file = join(dir, 'seven.png');
  await writeFile(file, await numberPng('7'));

  const { status, stdout } = runDigits(['predict', '--model', model, file]);

  assert.equal(status, 0);
  assert.match(stdout, /seven\.png: \d \(confidence [01]\.\d\d\)/);
  await rm(dir, { recursive: true });
  await rm(model, { recursive: true });
});

test('digits predict with a model that does not load says so and exits 1', () => {
  const { status, stderr } = runDigits(['predict', '--model', '/nonexistent/model-dir', 'x.png']);
  assert.equal(status, 1);
  assert.match(stderr, /cannot load the model from \/nonexistent\/model-dir/);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
});

test('digits predict with no files is a usage error', () => {
  assert.equal(runDigits(['predict']).status, 2);
});
