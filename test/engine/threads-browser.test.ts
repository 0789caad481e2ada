// The engine in Chromium: worker threads over shared memory on a cross-origin isolated page, the single-memory
// module on a page without SharedArrayBuffer, and the same numbers as tfjs cpu in both.
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// The page: start the engine, compare a matmul and a conv with tfjs cpu, report.
const pageScript = `
import * as tf from '@tensorflow/tfjs';
import { useEngine } from './src/engine/index.ts';
window.check = async (threads) => {
  const info = await useEngine({ threads });
  const a = tf.randomNormal([200, 300], 0, 1, 'float32', 1), b = tf.randomNormal([300, 100], 0, 1, 'float32', 2);
  const x = tf.randomNormal([8, 20, 20, 4], 0, 1, 'float32', 3), f = tf.randomNormal([3, 3, 4, 16], 0, 1, 'float32', 4);
  const engine = [...tf.matMul(a, b).dataSync(), ...tf.conv2d(x, f, 1, 'same').dataSync()];
  await tf.setBackend('cpu');
  const cpu = [...tf.matMul(a, b).dataSync(), ...tf.conv2d(x, f, 1, 'same').dataSync()];
  let maxDiff = 0;
  engine.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - cpu[i]))));
  return { ...info, isolated: self.crossOriginIsolated, maxDiff };
};
`;

async function serveBundle(): Promise<{ url: string; close: () => void }> {
  const bundled = await build({
    stdin: { contents: pageScript, resolveDir: process.cwd(), loader: 'js' },
    bundle: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent',
  });
  const js = bundled.outputFiles[0].contents;
  const server = http.createServer((req, res) => {
    const isolated = req.url?.includes('isolated') ?? false;
    const headers = isolated ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {};
    if (req.url?.startsWith('/engine.js')) {
      res.writeHead(200, { 'Content-Type': 'text/javascript', ...headers }).end(js);
    } else {
      res.writeHead(200, { 'Content-Type': 'text/html', ...headers }).end('<!doctype html><script type="module" src="/engine.js"></script>');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

test('in Chromium the engine uses two threads when isolated, one without SharedArrayBuffer, and matches cpu', { skip: !existsSync(chromiumPath) && `no Chromium at ${chromiumPath}`, timeout: 120_000 }, async () => {
  const server = await serveBundle();
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
  try {
    for (const [path, expectedThreads, isolated] of [['/?isolated', 2, true], ['/', 1, false]] as const) {
      const page = await browser.newPage();
      await page.goto(server.url + path);
      await page.waitForFunction(() => 'check' in window);
      const result = await page.evaluate((threads) => (window as unknown as { check: (n: number) => Promise<Record<string, unknown>> }).check(threads), 2);
      assert.equal(result.isolated, isolated);
      assert.equal(result.backend, 'digits-engine');
      assert.equal(result.threads, expectedThreads, `threads on ${path}`);
      assert.ok((result.maxDiff as number) < 1e-3, `max diff ${result.maxDiff} on ${path}`);
      await page.close();
    }
  } finally {
    await browser.close();
    server.close();
  }
});
