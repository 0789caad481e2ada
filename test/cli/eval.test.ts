// `digits eval` as a person runs it: a tiny model and a tiny IDX test set made here, real MNIST when available.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeIdx } from '../../src/data/index.ts';
import { buildModel } from '../../src/model/index.ts';
import { saveModel } from '../../src/model/node.ts';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const main = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const shippedModelDir = new URL('../../models/default', import.meta.url).pathname;
const hasShippedModel = existsSync(join(shippedModelDir, 'model.json'));

/** `digits ...args` in a child process, as a person runs it. */
function runDigits(args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', main, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const dir = await mkdtemp(join(tmpdir(), 'digits-eval-test-'));
test.after(() => rm(dir, { recursive: true, force: true }));

// 12 images of random strokes with labels 0..9, 0, 1: the untrained model's answers are arbitrary, but every
// figure must be consistent with these labels.
const count = 12;
const labels = Uint8Array.from({ length: count }, (_, i) => i % 10);
const pixels = new Uint8Array(count * 784);
for (let i = 0; i < count; i++) for (let y = 6; y < 22; y++) pixels[i * 784 + y * 28 + 8 + i] = 255;
const imagesFile = join(dir, 'images.idx');
const labelsFile = join(dir, 'labels.idx');
await writeIdx(imagesFile, { kind: 'images', count, rows: 28, cols: 28, data: pixels });
await writeIdx(labelsFile, { kind: 'labels', count, data: labels });
const modelDir = join(dir, 'model');
await mkdir(modelDir);
await saveModel(buildModel('small-cnn'), modelDir, { arch: 'small-cnn' });

test('digits eval --json prints one object whose figures agree with the test set', () => {
  const run = runDigits(['eval', '--model', modelDir, '--images', imagesFile, '--labels', labelsFile, '--json', '--no-robustness']);
  assert.equal(run.status, 0, run.stderr);
  const result = JSON.parse(run.stdout);
  assert.equal(result.n, count);
  assert.ok(result.accuracy >= 0 && result.accuracy <= 1);
  assert.ok(result.loss > 0 && result.ece >= 0 && result.ece <= 1);
  assert.equal(result.confusion.length, 10);
  // each row of the confusion matrix holds as many images as carry that label
  assert.deepEqual(
    result.confusion.map((row: number[]) => row.reduce((a, b) => a + b, 0)),
    [2, 2, 1, 1, 1, 1, 1, 1, 1, 1],
  );
  const correct = result.confusion.reduce((sum: number, row: number[], t: number) => sum + row[t], 0);
  assert.equal(result.accuracy, correct / count);
  assert.equal(result.perClass.length, 10);
  assert.ok(result.temperature > 0);
  assert.equal(result.robustness, null);
});

test('digits eval --limit evaluates only the first N images', () => {
  const run = runDigits(['eval', '--model', modelDir, '--images', imagesFile, '--labels', labelsFile, '--json', '--no-robustness', '--limit', '5']);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(JSON.parse(run.stdout).n, 5);
});

test('--no-engine gives the same figures on the plain TensorFlow.js cpu backend', () => {
  const args = ['eval', '--model', modelDir, '--images', imagesFile, '--labels', labelsFile, '--json', '--no-robustness'];
  const engine = runDigits(args);
  const cpu = runDigits([...args, '--no-engine']);
  assert.equal(cpu.status, 0, cpu.stderr);
  const [a, b] = [JSON.parse(engine.stdout), JSON.parse(cpu.stdout)];
  assert.equal(b.backend, 'cpu');
  assert.notEqual(a.backend, 'cpu');
  assert.deepEqual(b.confusion, a.confusion);
  assert.ok(Math.abs(a.loss - b.loss) < 1e-4, `loss ${a.loss} vs ${b.loss}`);
});

test('digits eval --report writes a self-contained HTML report with the mistakes as images', async () => {
  const report = join(dir, 'report.html');
  const run = runDigits(['eval', '--model', modelDir, '--images', imagesFile, '--labels', labelsFile, '--json', '--report', report]);
  assert.equal(run.status, 0, run.stderr);
  const result = JSON.parse(run.stdout);
  const html = await readFile(report, 'utf8');
  assert.equal(html.match(/<img src="data:image\/png;base64,/g)?.length ?? 0, result.mistakes.length);
  assert.ok(result.mistakes.length === Math.min(24, count - Math.round(result.accuracy * count)));
  assert.match(html, /<section id="robustness"/);
  assert.equal(result.robustness.length, 6);
  assert.ok(html.includes('Chart.register') || html.includes('window.Chart'), 'chart.js is inlined');
});

test('digits eval prints a readable summary by default', () => {
  const run = runDigits(['eval', '--model', modelDir, '--images', imagesFile, '--labels', labelsFile, '--no-robustness']);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /accuracy\s+\d+\.\d\d%/);
  assert.match(run.stdout, /ECE/);
  assert.match(run.stdout, /confusion/);
});

test('a missing model folder is a clear error, not a stack trace', () => {
  const run = runDigits(['eval', '--model', join(dir, 'nowhere'), '--images', imagesFile, '--labels', labelsFile]);
  assert.equal(run.status, 1);
  assert.match(run.stderr, /no model at .*nowhere/);
  assert.doesNotMatch(run.stderr, /\n\s+at /);
});

test('a corrupt model file is a clear error', async () => {
  const broken = join(dir, 'broken');
  await mkdir(broken);
  await writeFile(join(broken, 'model.json'), '{"modelTopology": ');
  const run = runDigits(['eval', '--model', broken, '--images', imagesFile, '--labels', labelsFile]);
  assert.equal(run.status, 1);
  assert.match(run.stderr, /broken.*corrupt/);
  assert.doesNotMatch(run.stderr, /\n\s+at /);
});

test('--images without --labels, or a report in a missing folder, is a usage error', () => {
  assert.equal(runDigits(['eval', '--model', modelDir, '--images', imagesFile]).status, 2);
  const run = runDigits(['eval', '--model', modelDir, '--images', imagesFile, '--labels', labelsFile, '--report', join(dir, 'no', 'r.html')]);
  assert.equal(run.status, 2);
  assert.match(run.stderr, /--report: folder .* does not exist/);
});

test('missing MNIST files are a clear error naming the folder', async () => {
  const empty = join(dir, 'empty-data');
  await mkdir(empty);
  const run = runDigits(['eval', '--model', modelDir, '--data-dir', empty, '--no-robustness']);
  assert.equal(run.status, 1);
  assert.match(run.stderr, /empty-data/);
  assert.doesNotMatch(run.stderr, /\n\s+at /);
});

test('the shipped model on the first 1,000 real MNIST test digits', (t) => {
  const dataDir = process.env.DIGITS_DATA_DIR;
  if (!dataDir) return t.skip('DIGITS_DATA_DIR not set');
  if (!hasShippedModel) return t.skip('no shipped model in models/default');
  const run = runDigits(['eval', '--model', shippedModelDir, '--data-dir', dataDir, '--json', '--no-robustness', '--limit', '1000']);
  assert.equal(run.status, 0, run.stderr);
  const result = JSON.parse(run.stdout);
  assert.equal(result.n, 1000);
  assert.ok(result.accuracy > 0.98, `accuracy ${result.accuracy}`);
  assert.ok(result.ece < 0.05, `ECE ${result.ece}`);
});
