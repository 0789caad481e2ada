// The download path against a local HTTP server: no real network. Each mirror prefix misbehaves in one way.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { encodeIdx, ensureMnist, loadMnist, MnistDataError, readIdx } from '../../src/data/index.ts';
import type { DownloadProgress } from '../../src/data/index.ts';
import { tempDir, tinySplit } from './tiny-mnist.ts';

const train = tinySplit('train', 6, 3);
const files = train.specs; // train only: tests ask for that split
const served = new Map<string, Buffer>([
  ['train-images-idx3-ubyte.gz', gzipSync(encodeIdx(train.images))],
  ['train-labels-idx1-ubyte.gz', gzipSync(encodeIdx(train.labels))],
]);
const requests: string[] = [];

// /good/ serves the files; /missing/ 404s; /dropped/ closes the connection halfway through the body;
// /truncated/ serves the first half of each file as if it were whole; /wrong/ serves valid IDX with other
// pixels; /hang/ sends headers and a few bytes, then nothing; /encoded/ sends the IDX with Content-Encoding: gzip,
// which fetch decodes, so the bytes arrive uncompressed.
const server = createServer((request, response) => {
  requests.push(request.url ?? '');
  const [, mirror, name] = (request.url ?? '').split('/');
  const body = served.get(name ?? '');
  if (!body || mirror === 'missing') {
    response.writeHead(404).end('not found');
  } else if (mirror === 'good') {
    response.writeHead(200, { 'content-length': body.length }).end(body);
  } else if (mirror === 'dropped') {
    response.socket?.end(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`);
    response.socket?.write(body.subarray(0, body.length >> 1));
    response.socket?.destroy();
  } else if (mirror === 'truncated') {
    const half = body.subarray(0, body.length >> 1);
    response.writeHead(200, { 'content-length': half.length }).end(half);
  } else if (mirror === 'wrong') {
    const other = name?.includes('labels') ? tinySplit('train', 6, 99).labels : tinySplit('train', 6, 99).images;
    response.writeHead(200).end(gzipSync(encodeIdx(other)));
  } else if (mirror === 'encoded') {
    response.writeHead(200, { 'content-encoding': 'gzip', 'content-length': body.length }).end(body);
  } else if (mirror === 'hang') {
    response.writeHead(200, { 'content-length': body.length });
    response.write(body.subarray(0, 10));
  } else {
    response.writeHead(500).end();
  }
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const mirror = (name: string) => `${base}/${name}/`;
// A port nobody listens on: bind one, then let it go.
const closedPort = await new Promise<number>((resolve) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port } = probe.address() as AddressInfo;
    probe.close(() => resolve(port));
  });
});
test.after(() => {
  server.closeAllConnections();
  server.close();
});

function recorder() {
  const events: DownloadProgress[] = [];
  return { events, onProgress: (event: DownloadProgress) => events.push(event) };
}

async function hiddenFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.startsWith('.'));
}

test('missing files are downloaded, verified and saved under their standard .gz names', async (t) => {
  const dir = await tempDir(t);
  const { events, onProgress } = recorder();
  const report = await ensureMnist({ dataDir: dir, files, splits: ['train'], mirrors: [mirror('good')], onProgress });
  assert.equal(report.ok, true);
  assert.deepEqual(report.files.map((f) => f.state), ['downloaded', 'downloaded']);
  assert.deepEqual((await readdir(dir)).sort(), ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz']);
  assert.deepEqual([...(await readIdx(join(dir, 'train-labels-idx1-ubyte.gz'))).data], [...train.labels.data]);
  const imageEvents = events.filter((e) => e.file === 'train-images-idx3-ubyte.gz');
  assert.deepEqual([imageEvents[0].phase, imageEvents.at(-1)?.phase], ['start', 'done']);
  assert.equal(imageEvents.at(-1)?.receivedBytes, served.get('train-images-idx3-ubyte.gz')?.length);
});

test('each bad mirror is skipped with its reason until one serves an intact file', async (t) => {
  const dir = await tempDir(t);
  const { events, onProgress } = recorder();
  const mirrors = ['missing', 'dropped', 'truncated', 'wrong', 'good'].map(mirror);
  const set = await loadMnist('train', { dataDir: dir, files, mirrors, onProgress });
  assert.deepEqual([...set.labels], [...train.labels.data]);
  const reasons = events.filter((e) => e.phase === 'failed' && e.file === 'train-labels-idx1-ubyte.gz').map((e) => `${e.url} ${e.error}`);
  assert.equal(reasons.length, 4);
  assert.match(reasons[0], /\/missing\/.* HTTP 404/);
  assert.match(reasons[1], /\/dropped\/.* (terminated|other side closed|cut short)/);
  assert.match(reasons[2], /\/truncated\/.* bad content: corrupt gzip/);
  assert.match(reasons[3], /\/wrong\/.* bad content: SHA-256 of the content is/);
  assert.deepEqual(await hiddenFiles(dir), [], 'no temp file left behind');
});

test('a body shorter than its Content-Length is rejected as cut short', async (t) => {
  const dir = await tempDir(t);
  const { events, onProgress } = recorder();
  const shortFetch = async (url: string) => {
    const body = served.get(url.split('/').pop() ?? '') ?? Buffer.alloc(0);
    return new Response(new Uint8Array(body.subarray(0, 20)), { headers: { 'content-length': String(body.length) } });
  };
  const report = await ensureMnist({ dataDir: dir, files, splits: ['train'], mirrors: [mirror('any')], fetch: shortFetch, onProgress });
  assert.equal(report.ok, false);
  assert.match(events.find((e) => e.phase === 'failed')?.error ?? '', /download cut short: got 20 of \d+ bytes/);
  assert.deepEqual(await readdir(dir), []);
});

// The timeout applies to the good mirror too: it must be long enough for a busy machine's loopback.
test('a mirror that stops sending is abandoned after the idle timeout', async (t) => {
  const dir = await tempDir(t);
  const { events, onProgress } = recorder();
  const report = await ensureMnist({ dataDir: dir, files, splits: ['train'], mirrors: [mirror('hang'), mirror('good')], idleTimeoutMs: 1500, onProgress });
  assert.equal(report.ok, true);
  assert.match(events.find((e) => e.phase === 'failed')?.error ?? '', /no data for/);
});

test('when every mirror fails, the error names each one and says where to put the files; nothing is left behind', async (t) => {
  const dir = await tempDir(t);
  const mirrors = [mirror('missing'), mirror('dropped'), `http://127.0.0.1:${closedPort}/`];
  await assert.rejects(loadMnist('train', { dataDir: dir, files, mirrors, onProgress: () => {} }), (error: unknown) => {
    assert.ok(error instanceof MnistDataError);
    assert.equal(error.code, 'download-failed');
    assert.ok(error.message.includes(`could not download train-images-idx3-ubyte.gz into ${dir}`), error.message);
    assert.ok(error.message.includes(`${mirror('missing')}train-images-idx3-ubyte.gz: HTTP 404`), error.message);
    assert.ok(error.message.includes(`127.0.0.1:${closedPort}/train-images-idx3-ubyte.gz: fetch failed (ECONNREFUSED)`), error.message);
    assert.match(error.message, /Offline\? Put the four standard MNIST files [\s\S]* or point --data-dir DIR or DIGITS_DATA_DIR/);
    return true;
  });
  assert.deepEqual(await readdir(dir), []);
});

test('when no mirror answers at all, the remaining files are not tried', async (t) => {
  const dir = await tempDir(t);
  const urls: string[] = [];
  const countingFetch = (url: string, init: { signal: AbortSignal }) => (urls.push(url), fetch(url, init));
  const mirrors = [`http://127.0.0.1:${closedPort}/`];
  const report = await ensureMnist({ dataDir: dir, files, splits: ['train'], mirrors, fetch: countingFetch, onProgress: () => {} });
  assert.deepEqual(urls, [`http://127.0.0.1:${closedPort}/train-images-idx3-ubyte.gz`]);
  assert.deepEqual(report.files.map((f) => f.state), ['missing', 'missing']);
  assert.match(report.files[1].error ?? '', /train-labels-idx1-ubyte\(\.gz\) not downloaded: no mirror could be reached/);
  assert.match(report.problem?.message ?? '', /Offline\?/);
});

test('a corrupt file is deleted and replaced by a verified download', async (t) => {
  const dir = await tempDir(t);
  const corrupt = join(dir, 'train-labels-idx1-ubyte');
  await writeFile(corrupt, encodeIdx({ kind: 'labels', count: 6, data: new Uint8Array(6) })); // well-formed, wrong labels
  const report = await ensureMnist({ dataDir: dir, files, splits: ['train'], mirrors: [mirror('good')], onProgress: () => {} });
  assert.deepEqual(report.files.map((f) => f.state), ['downloaded', 'replaced']);
  assert.deepEqual((await readdir(dir)).sort(), ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz'], 'the corrupt raw file is gone');
  const set = await loadMnist('train', { dataDir: dir, files, download: false });
  assert.deepEqual([...set.labels], [...train.labels.data]);
});

test('a file the mirror sends decompressed (Content-Encoding) is saved under its raw name', async (t) => {
  const dir = await tempDir(t);
  const report = await ensureMnist({ dataDir: dir, files, splits: ['train'], mirrors: [mirror('encoded')], onProgress: () => {} });
  assert.deepEqual(report.files.map((f) => f.state), ['downloaded', 'downloaded']);
  assert.deepEqual((await readdir(dir)).sort(), ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte']);
});

test('temp files left by a killed download are removed; a live download\'s are kept', async (t) => {
  const dir = await tempDir(t);
  const stale = '.train-labels-idx1-ubyte.gz.999999999.0badf00d.part'; // no such process
  const live = `.train-labels-idx1-ubyte.gz.${process.pid}.0badf00d.part`;
  for (const name of [stale, live]) await writeFile(join(dir, name), 'partial');
  await ensureMnist({ dataDir: dir, files, splits: ['train'], mirrors: [mirror('good')], onProgress: () => {} });
  assert.deepEqual(await hiddenFiles(dir), [live]);
});

test('files already present and intact are not fetched again', async (t) => {
  const dir = await tempDir(t);
  for (const [name, body] of served) await writeFile(join(dir, name), body);
  const fetch = () => Promise.reject(new Error('fetch must not be called'));
  const report = await ensureMnist({ dataDir: dir, files, splits: ['train'], fetch, onProgress: () => {} });
  assert.deepEqual(report.files.map((f) => f.state), ['ok', 'ok']);
});

test('with no folder given, files go into the user cache folder, created as needed', async (t) => {
  const cache = await tempDir(t);
  const report = await ensureMnist({ env: { XDG_CACHE_HOME: cache }, files, splits: ['train'], mirrors: [mirror('good')], onProgress: () => {} });
  if (process.platform === 'linux') assert.equal(report.dir, join(cache, 'digit-recognizer', 'mnist'));
  assert.equal(report.source, 'cache');
  assert.deepEqual((await readdir(report.dir)).sort(), ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz']);
});

test('a --data-dir that does not exist is reported, not created and filled', async (t) => {
  const dir = join(await tempDir(t), 'typo');
  const before = requests.length;
  await assert.rejects(ensureMnist({ dataDir: dir, files, mirrors: [mirror('good')], onProgress: () => {} }), {
    name: 'MnistDataError',
    code: 'dir-not-found',
  });
  assert.equal(requests.length, before, 'nothing was fetched');
});
