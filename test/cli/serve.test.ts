import test from 'node:test';
import assert from 'node:assert/strict';
import { numberPng } from '../server/helpers.ts';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { get } from 'node:http';
import { runDigits, startDigitsServe, tinyModelDir } from './run-digits.ts';

test('digits serve listens where told, prints its URL, and answers health and predictions', async () => {
  const model = await tinyModelDir();
  const web = await builtPageDir();
  const { url, child } = await startDigitsServe(['--port', '0', '--host', '127.0.0.1', '--processes', '1', '--image-workers', '1', '--model', model, '--web-dir', web]);
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
    await rm(web, { recursive: true });
  }
});

/** A stand-in built page, so these tests never build the real one (into dist/web, with their tiny model). */
async function builtPageDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'digits-web-'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>digits</title>');
  return dir;
}

/** The pid of the server process that answers /api/health on a new connection. */
function healthPid(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(`${url}/api/health`, { agent: false }, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve(JSON.parse(body).pid));
    }).on('error', reject);
  });
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('digits serve --processes 2 answers from two processes on one port, and stopping it stops both', async () => {
  const model = await tinyModelDir();
  const web = await builtPageDir();
  const { url, child } = await startDigitsServe(['--port', '0', '--host', '127.0.0.1', '--processes', '2', '--model', model, '--web-dir', web]);
  try {
    // the primary hands each new connection to the next process in turn
    const pids = new Set<number>();
    for (let i = 0; i < 6; i++) pids.add(await healthPid(url));
    assert.equal(pids.size, 2);
    assert.ok(!pids.has(child.pid!), 'the primary only forwards connections');
    const prediction = await fetch(`${url}/api/predict`, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: new Blob([new Uint8Array(await numberPng('3'))]),
    });
    assert.equal(prediction.status, 200);

    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    for (let wait = 0; wait < 100 && [...pids].some(isRunning); wait++) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual([...pids].filter(isRunning), []);
  } finally {
    child.kill('SIGKILL');
    await rm(model, { recursive: true });
    await rm(web, { recursive: true });
  }
});

test('digits serve with a model that does not load fails at startup with a clear message, said once', () => {
  const { status, stderr } = runDigits(['serve', '--port', '0', '--processes', '2', '--model', '/nonexistent/model-dir']);
  assert.equal(status, 1);
  assert.equal(stderr.match(/cannot load the model from \/nonexistent\/model-dir/g)?.length, 1);
});

test('a bad PORT is a usage error', () => {
  const { status, stderr } = runDigits(['serve', '--model', '/nonexistent/model-dir'], { PORT: 'eighty' });
  assert.equal(status, 2);
  assert.match(stderr, /PORT must be an integer/);
});
