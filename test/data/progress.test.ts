import test from 'node:test';
import assert from 'node:assert/strict';
import { stderrDownloadProgress } from '../../src/data/index.ts';

/** A stand-in for stderr when it is not a terminal (a log file, CI). */
function logStream() {
  const lines: string[] = [];
  const stream = { isTTY: false, write: (text: string) => lines.push(text) } as unknown as NodeJS.WriteStream;
  return { lines, stream };
}

test('without a terminal, progress is a few plain lines, not one per chunk', () => {
  const { lines, stream } = logStream();
  const report = stderrDownloadProgress(stream);
  const file = 'train-images-idx3-ubyte.gz';
  const url = `https://mirror.example/${file}`;
  const totalBytes = 10 * 1024 * 1024;
  report({ file, url, phase: 'start', receivedBytes: 0, totalBytes });
  for (let received = 10240; received <= totalBytes; received += 10240) report({ file, url, phase: 'data', receivedBytes: received, totalBytes });
  report({ file, url, phase: 'done', receivedBytes: totalBytes, totalBytes });
  assert.deepEqual(lines, [
    `downloading ${url} (10.0 MB)\n`,
    `  ${file}: 25%\n`,
    `  ${file}: 50%\n`,
    `  ${file}: 75%\n`,
    `  ${file}: 10.0 MB, verified\n`,
  ]);
});

test('a failed mirror is reported with its reason', () => {
  const { lines, stream } = logStream();
  const report = stderrDownloadProgress(stream);
  report({ file: 'x.gz', url: 'http://m/x.gz', phase: 'failed', receivedBytes: 0, error: 'HTTP 404 Not Found' });
  assert.deepEqual(lines, ['  x.gz: http://m/x.gz failed: HTTP 404 Not Found\n']);
});
