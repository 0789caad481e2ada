import test from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { createServer } from '../../src/server/index.ts';
import type { DigitClassifier } from '../../src/recognize/types.ts';
import { pngClaimingSize } from '../image/fixtures.ts';
import { inkCountingClassifier, multipartBody, numberPng, pixelsWithInk } from './helpers.ts';

function postImage(app: FastifyInstance, payload: Buffer | string, contentType = 'image/png') {
  return app.inject({ method: 'POST', url: '/api/predict', headers: { 'content-type': contentType }, payload });
}

/** Asserts the response is the JSON error {"error": {"code", "message"}} with this status and code. */
function assertError(response: { statusCode: number; json(): any; headers: Record<string, unknown> }, status: number, code: string) {
  assert.equal(response.statusCode, status, `expected ${status} ${code}, got ${response.statusCode}: ${JSON.stringify(response.json())}`);
  assert.match(String(response.headers['content-type']), /^application\/json/);
  const body = response.json();
  assert.equal(body.error.code, code);
  assert.equal(typeof body.error.message, 'string');
  assert.ok(body.error.message.length > 10, 'the message should say what is wrong');
}

test('every kind of bad input gets its 4xx and a clear error, and the server keeps serving', async () => {
  const app = await createServer({ classifier: inkCountingClassifier() });
  const png = await numberPng('5');
  const sixMegabytes = Buffer.alloc(6 * 1024 * 1024, 1);

  assertError(await postImage(app, png.subarray(0, Math.floor(png.length * 0.6))), 422, 'corrupt-image');
  assertError(await postImage(app, Buffer.concat([png.subarray(0, 40), Buffer.alloc(200, 0xab)])), 422, 'corrupt-image');
  assertError(await postImage(app, pngClaimingSize(100_000, 100_000)), 413, 'image-too-large');
  assertError(await postImage(app, Buffer.alloc(0)), 400, 'empty-body');
  assertError(await postImage(app, 'just some text, not an image'), 422, 'unsupported-image');
  assertError(await postImage(app, sixMegabytes), 413, 'payload-too-large');
  assertError(await postImage(app, 'hello', 'text/plain'), 415, 'unsupported-media-type');
  assertError(await postImage(app, png, 'image/svg+xml'), 415, 'unsupported-media-type');
  assertError(await postImage(app, '{"pixels": [1, 2,', 'application/json'), 400, 'invalid-json');
  assertError(await postImage(app, '', 'application/json'), 400, 'empty-body');
  assertError(await app.inject({ method: 'POST', url: '/api/predict' }), 400, 'empty-body');
  assertError(await app.inject({ method: 'POST', url: '/api/predict', payload: { pixels: pixelsWithInk(5).slice(1) } }), 400, 'invalid-request');
  assertError(await app.inject({ method: 'POST', url: '/api/predict', payload: { pixels: [...pixelsWithInk(5).slice(1), 256] } }), 400, 'invalid-request');
  assertError(await app.inject({ method: 'POST', url: '/api/predict', payload: { pixels: [...pixelsWithInk(5).slice(1), -1] } }), 400, 'invalid-request');
  assertError(await app.inject({ method: 'POST', url: '/api/predict', payload: { pixels: [...pixelsWithInk(5).slice(1), 'x'] } }), 400, 'invalid-request');
  assertError(await app.inject({ method: 'POST', url: '/api/predict', payload: { image: 'data' } }), 400, 'invalid-request');
  assertError(await app.inject({ method: 'POST', url: '/api/predict', ...multipartBody('photo', 'a.png', 'image/png', png) }), 400, 'missing-image');
  assertError(await app.inject({ method: 'POST', url: '/api/predict', ...multipartBody('image', 'a.png', 'image/png', sixMegabytes) }), 413, 'payload-too-large');
  assertError(await app.inject({ method: 'GET', url: '/api/nothing-here' }), 404, 'not-found');
  assertError(await app.inject({ method: 'GET', url: '/api/predict' }), 404, 'not-found');

  const after = await postImage(app, png);
  assert.equal(after.statusCode, 200);
  assert.equal(after.json().items.length, 1);
  await app.close();
});

test('when predictions are all in progress, the next request is told to retry (503) instead of queueing', async () => {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const slow: DigitClassifier = {
    async classify(_images, count) {
      await held;
      return new Float32Array(count * 10).fill(0.1);
    },
  };
  const app = await createServer({ classifier: slow, maxInFlight: 2 });
  const body = { pixels: pixelsWithInk(3) };

  const first = app.inject({ method: 'POST', url: '/api/predict', payload: body });
  const second = app.inject({ method: 'POST', url: '/api/predict', payload: body });
  await new Promise((resolve) => setTimeout(resolve, 20));
  const third = await app.inject({ method: 'POST', url: '/api/predict', payload: body });
  assertError(third, 503, 'busy');
  assert.equal(third.headers['retry-after'], '1');

  release();
  assert.equal((await first).statusCode, 200);
  assert.equal((await second).statusCode, 200);
  const afterwards = await app.inject({ method: 'POST', url: '/api/predict', payload: body });
  assert.equal(afterwards.statusCode, 200, 'finished requests free their places');
  await app.close();
});

test('a prediction that takes too long is answered 503 timeout', async () => {
  const never: DigitClassifier = { classify: () => new Promise(() => {}) };
  const app = await createServer({ classifier: never, timeoutMs: 50 });
  assertError(await app.inject({ method: 'POST', url: '/api/predict', payload: { pixels: pixelsWithInk(3) } }), 503, 'timeout');
  await app.close();
});

test('a failing model is a 500 with a generic message, not a stack trace', async () => {
  const broken: DigitClassifier = {
    classify() {
      throw new Error('secret internal detail at /srv/model.ts:12');
    },
  };
  const app = await createServer({ classifier: broken });
  const response = await app.inject({ method: 'POST', url: '/api/predict', payload: { pixels: pixelsWithInk(3) } });
  assertError(response, 500, 'internal-error');
  assert.doesNotMatch(response.body, /secret|model\.ts/);
  await app.close();
});
