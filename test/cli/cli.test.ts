// The `digits` program as a person runs it: a child process, its output and exit code.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'node:test';
import assert from 'node:assert/strict';
import { tempDir } from '../data/tiny-mnist.ts';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/digits.js ...args` from the repository root; `env` replaces DIGITS_DATA_DIR handling. */
function digits(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const { DIGITS_DATA_DIR: _unused, ...inherited } = process.env;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/digits.js', ...args], { env: { ...inherited, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('--help lists every command with a one-line description', async () => {
  const run = await digits(['--help']);
  assert.equal(run.code, 0);
  const commands = run.stdout.slice(run.stdout.indexOf('Commands:')).split('\n').slice(1);
  const entries = commands.filter((line) => /^  \S/.test(line)).map((line) => line.trim().split(/\s{2,}/));
  assert.ok(entries.some(([name]) => name.startsWith('data')), run.stdout);
  for (const [name, description] of entries) assert.ok(description, `${name} has a description`);
});

test('digits data --help describes its flags', async () => {
  const run = await digits(['data', '--help']);
  assert.equal(run.code, 0);
  for (const flag of ['--data-dir <dir>', '--no-download', '--json']) assert.ok(run.stdout.includes(flag), `${flag} in ${run.stdout}`);
});

test('an unknown flag exits 2 with a message naming it', async () => {
  const run = await digits(['data', '--bogus']);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /unknown option '--bogus'/);
});

test('an empty --data-dir is a usage error (exit 2), not a silent fall-back to the cache folder', async () => {
  const run = await digits(['data', '--data-dir', '', '--no-download']);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /--data-dir needs a folder/);
});

test('an unknown command exits 2', async () => {
  const run = await digits(['frobnicate']);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /unknown command 'frobnicate'/);
});

test('digits data exits 1 naming a corrupt file, and says which files are missing', async (t) => {
  const dir = await tempDir(t);
  const corrupt = join(dir, 'train-images-idx3-ubyte.gz');
  await writeFile(corrupt, Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7])); // a gzip header, then junk
  const run = await digits(['data', '--data-dir', dir, '--no-download']);
  assert.equal(run.code, 1);
  assert.match(run.stdout, /train-images-idx3-ubyte\s+bad/);
  assert.match(run.stdout, /t10k-labels-idx1-ubyte\s+missing/);
  assert.ok(run.stderr.includes(`${corrupt}: corrupt gzip`), run.stderr);
  assert.ok(run.stderr.includes('t10k-labels-idx1-ubyte(.gz) is missing'), run.stderr);
  assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
});

test('digits data with no files and no download says where to put them', async (t) => {
  const dir = await tempDir(t);
  const run = await digits(['data', '--no-download', '--json'], { DIGITS_DATA_DIR: dir });
  assert.equal(run.code, 1);
  const report = JSON.parse(run.stdout);
  assert.deepEqual([report.dir, report.source, report.ok], [dir, 'env', false]);
  assert.deepEqual(report.files.map((f: { state: string }) => f.state), ['missing', 'missing', 'missing', 'missing']);
  assert.match(run.stderr, /MNIST files missing from .*: train-images-idx3-ubyte\(\.gz\)[\s\S]*--data-dir DIR or DIGITS_DATA_DIR/);
});

test('digits data names a data folder that does not exist, or is a file', async (t) => {
  const dir = await tempDir(t);
  const missing = await digits(['data', '--data-dir', join(dir, 'nope')]);
  assert.equal(missing.code, 1);
  assert.ok(missing.stderr.includes(`data folder ${join(dir, 'nope')} does not exist`), missing.stderr);

  const file = join(dir, 'file');
  await writeFile(file, 'x');
  const notFolder = await digits(['data', '--data-dir', file]);
  assert.equal(notFolder.code, 1);
  assert.ok(notFolder.stderr.includes(`data folder ${file} is a file, not a folder`), notFolder.stderr);
});

test('digits data verifies the real MNIST files and prints 60000/10000', async (t) => {
  const dataDir = process.env.DIGITS_DATA_DIR;
  if (!dataDir) return t.skip('DIGITS_DATA_DIR not set');
  const text = await digits(['data', '--data-dir', dataDir, '--no-download']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /train 60000 images\/60000 labels, test 10000 images\/10000 labels/);

  const json = await digits(['data', '--json', '--no-download'], { DIGITS_DATA_DIR: dataDir });
  assert.equal(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout);
  assert.equal(report.ok, true);
  assert.deepEqual(report.files.map((f: { count: number }) => f.count), [60000, 60000, 10000, 10000]);
});
