import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { predictFiles, formatResult } from '../../src/cli/commands/predict.ts';
import type { FileResult } from '../../src/cli/commands/predict.ts';
import { inkCountingClassifier, numberPng } from '../server/helpers.ts';

async function collect(files: string[]): Promise<FileResult[]> {
  const results: FileResult[] = [];
  for await (const result of predictFiles(files, inkCountingClassifier())) results.push(result);
  return results;
}

test('predict reads every file in order, reporting a bad one and carrying on with the rest', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'digits-predict-'));
  const good = join(dir, 'number.png');
  const broken = join(dir, 'broken.png');
  const alsoGood = join(dir, 'another.png');
  await writeFile(good, await numberPng('42'));
  await writeFile(broken, (await numberPng('42')).subarray(0, 100));
  await writeFile(alsoGood, await numberPng('7'));

  const results = await collect([good, broken, join(dir, 'missing.png'), alsoGood]);

  assert.deepEqual(results.map((r) => r.file), [good, broken, join(dir, 'missing.png'), alsoGood]);
  assert.ok(!('error' in results[0]) && results[0].items.length === 2);
  assert.ok('error' in results[1] && /truncated or corrupt/.test(results[1].error));
  assert.ok('error' in results[2] && results[2].error === 'no such file');
  assert.ok(!('error' in results[3]) && results[3].items.length === 1);
  await rm(dir, { recursive: true });
});

test('the text line gives the digits and the confidence, or the error', () => {
  const reading: FileResult = { file: 'photo.png', digits: '2026', confidence: 0.9712, items: [] };
  assert.equal(formatResult(reading), 'photo.png: 2026 (confidence 0.97)');
  assert.equal(formatResult({ file: 'blank.png', digits: '', confidence: 1, items: [] }), 'blank.png: no digits found');
  assert.equal(formatResult({ file: 'x.gif', error: 'no such file' }), 'x.gif: error: no such file');
});
