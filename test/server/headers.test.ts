import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from '../../src/server/index.ts';
import { inkCountingClassifier } from './helpers.ts';

const isolationAndSecurity = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
};

test('every response, pages, API answers, errors and 404s, carries the isolation and security headers', async () => {
  const webDir = await mkdtemp(join(tmpdir(), 'digits-web-'));
  await mkdir(join(webDir, 'assets'));
  await writeFile(join(webDir, 'index.html'), '<!doctype html><title>pad</title><script type="module" src="/assets/app-1234.js"></script>');
  await writeFile(join(webDir, 'assets', 'app-1234.js'), 'console.log("pad")');
  const app = await createServer({ classifier: inkCountingClassifier(), webDir });

  const responses = {
    page: await app.inject({ url: '/' }),
    asset: await app.inject({ url: '/assets/app-1234.js' }),
    health: await app.inject({ url: '/api/health' }),
    error: await app.inject({ method: 'POST', url: '/api/predict', headers: { 'content-type': 'text/plain' }, payload: 'x' }),
    missing: await app.inject({ url: '/no/such/page' }),
  };

  assert.match(responses.page.body, /<title>pad<\/title>/);
  assert.equal(responses.asset.statusCode, 200);
  assert.match(String(responses.asset.headers['cache-control']), /immutable/);
  for (const [name, response] of Object.entries(responses)) {
    for (const [header, value] of Object.entries(isolationAndSecurity)) {
      assert.equal(response.headers[header], value, `${name}: ${header}`);
    }
    const csp = String(response.headers['content-security-policy']);
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/, name);
    assert.match(csp, /worker-src 'self' blob:/, name);
    assert.ok(response.headers['referrer-policy'], `${name}: referrer-policy`);
  }
  await app.close();
  await rm(webDir, { recursive: true });
});

test('without a built web app, / explains that the page is not built while the API serves', async () => {
  const app = await createServer({ classifier: inkCountingClassifier(), webDir: null });
  const page = await app.inject({ url: '/' });
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /not built/);
  assert.equal((await app.inject({ url: '/api/health' })).statusCode, 200);
  await app.close();
});
