import test from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from '../../src/server/index.ts';
import { inkCountingClassifier } from './helpers.ts';

test('health reports status, the model, the engine backend and uptime', async () => {
  const app = await createServer({ classifier: inkCountingClassifier(), model: { dir: 'models/test', architecture: 'fake' } });
  const response = await app.inject({ url: '/api/health' });
  assert.equal(response.statusCode, 200);
  const health = response.json();
  assert.equal(health.status, 'ok');
  assert.deepEqual(health.model, { dir: 'models/test', architecture: 'fake' });
  assert.ok('backend' in health.engine);
  assert.ok(health.uptimeSeconds >= 0);
  await app.close();
});

test('the OpenAPI document lists every API route with the schemas they validate with', async () => {
  const app = await createServer({ classifier: inkCountingClassifier() });
  const response = await app.inject({ url: '/api/openapi.json' });
  assert.equal(response.statusCode, 200);
  const document = JSON.parse(response.body);

  assert.match(document.openapi, /^3\./);
  assert.deepEqual(Object.keys(document.paths).sort(), ['/api/health', '/api/openapi.json', '/api/predict']);
  const predict = document.paths['/api/predict'].post;
  assert.ok(predict.requestBody.content['image/png']);
  assert.ok(predict.requestBody.content['multipart/form-data']);
  assert.equal(predict.requestBody.content['application/json'].schema.properties.pixels.minItems, 784);
  assert.deepEqual(predict.responses['200'].content['application/json'].schema.required, ['digits', 'confidence', 'items']);
  assert.ok(predict.responses['4XX'], 'errors are described');
  assert.equal(document.paths['/api/health'].get.responses['200'].content['application/json'].schema.properties.model.properties.dir.nullable, true);
  await app.close();
});
