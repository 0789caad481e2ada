// `digits train` as a person runs it: bad flags are usage errors (exit 2) before any work; with real MNIST,
// a short run prints JSON lines, Ctrl-C saves a checkpoint and exits 130, and --resume finishes the run.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDigits } from './run-digits.ts';

const dir = await mkdtemp(join(tmpdir(), 'digits-train-cli-'));
test.after(() => rm(dir, { recursive: true, force: true }));
const dataDir = process.env.DIGITS_DATA_DIR;
const main = new URL('../../src/cli/main.ts', import.meta.url).pathname;

test('bad flags are usage errors that name the problem, before any data is read', async () => {
  const file = join(dir, 'a-file');
  await writeFile(file, 'x');
  const cases: [string[], RegExp][] = [
    [['--arch', 'resnet'], /unknown architecture 'resnet'.*default, keras-cnn, small-cnn/],
    [['--epochs', '-1'], /--epochs must be an integer from 1/],
    [['--epochs', '2.5'], /--epochs must be an integer/],
    [['--batch-size', '0'], /--batch-size must be an integer from 1/],
    [['--lr', 'fast'], /--lr must be a number/],
    [['--schedule', 'zigzag'], /--schedule must be one-cycle or constant/],
    [['--out', file], /is a file; it must be a folder/],
    [['--out', join(file, 'sub')], /cannot write in --out/],
    [['--bogus'], /unknown option '--bogus'/],
  ];
  for (const [args, message] of cases) {
    const result = runDigits(['train', ...args, '--data-dir', join(dir, 'no-data-here')]);
    assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message);
  }
});

test('--resume without a checkpoint says there is nothing to resume', () => {
  const result = runDigits(['train', '--resume', '--out', join(dir, 'never-trained'), '--data-dir', join(dir, 'no-data-here')]);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /no checkpoint .* nothing to resume/);
});

test('a short run on MNIST, interrupted by Ctrl-C and resumed, writes a model and metrics.json', { skip: dataDir ? false : 'DIGITS_DATA_DIR not set' }, async () => {
  const out = join(dir, 'small');
  // 2 epochs of 1,000 images (the other 59,000 are the validation split), small CNN.
  const args = ['train', '--arch', 'small-cnn', '--epochs', '2', '--validation', '59000', '--batch-size', '50', '--no-augment', '--out', out, '--json', '--data-dir', dataDir!];
  const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (stdout.includes('"type":"start"')) resolve();
    });
  });
  // A terminal's Ctrl-C reaches npm/npx wrappers too, which relay it: the echo must not skip the checkpoint.
  child.kill('SIGINT');
  await new Promise((resolve) => setTimeout(resolve, 100));
  child.kill('SIGINT');
  // Exit code 130; or, when the echo lands while the process is already exiting (its handlers gone), death by
  // SIGINT, which a shell reports as 130 too. Either way only after the checkpoint was saved and said so.
  const { code, signal } = await exit;
  assert.ok(code === 130 || (code === null && signal === 'SIGINT'), `exit ${code}, signal ${signal}: ${stderr}`);
  assert.match(stderr, /checkpoint saved .*digits train --resume/);
  assert.ok(existsSync(join(out, '.train', 'checkpoint.bin')));
  assert.ok(!existsSync(join(out, 'model.json')));

  const fresh = runDigits(['train', '--arch', 'small-cnn', '--out', out, '--data-dir', dataDir!]);
  assert.equal(fresh.status, 2, 'a new run does not overwrite an unfinished one');
  assert.match(fresh.stderr, /holds an unfinished run .*--resume/);

  const resumed = runDigits(['train', '--resume', '--out', out, '--json', '--data-dir', dataDir!]);
  assert.equal(resumed.status, 0, resumed.stderr);
  const lines = resumed.stdout.trim().split('\n').map((line) => JSON.parse(line));
  assert.equal(lines.filter((l) => l.type === 'epoch').length, 2);
  const done = lines.at(-1);
  assert.equal(done.type, 'done');
  assert.ok(done.testAccuracy > 0.7, `test accuracy ${done.testAccuracy}`);
  const metrics = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
  assert.equal(metrics.testAccuracy, done.testAccuracy);
  assert.equal(metrics.config.arch, 'small-cnn');
  assert.match(metrics.command, /^digits train --arch small-cnn --epochs 2 /, 'the command that reproduces the model');
  assert.match(metrics.resumedBy[0], /digits train --resume/);
});

test('train-verifier: bad flags and an unwritable --out are usage errors before any data is read, and no folder is left', async () => {
  const file = join(dir, 'a-file-too');
  await writeFile(file, 'x');
  const cases: [string[], RegExp][] = [
    [['--numbers', '0'], /--numbers must be an integer from 1/],
    [['--epochs', 'many'], /--epochs must be an integer/],
    [['--out', file], /cannot write in --out/],
    [['--out', join(file, 'sub')], /cannot write in --out/],
  ];
  for (const [args, message] of cases) {
    const result = runDigits(['train-verifier', ...args, '--data-dir', join(dir, 'no-data-here')]);
    assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message);
  }
  assert.ok(!existsSync(join(dir, 'no-data-here')));
});
