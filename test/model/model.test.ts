import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildModel, buildVerifier, createClassifier, loadClassifier, loadModel, saveModel, ModelFileError, VERIFIER_CLASSES } from '../../src/model/node.ts';
import { VERDICT_SIZE } from '../../src/recognize/index.ts';

function randomImages(count: number, seed: number): Float32Array {
  const out = new Float32Array(count * 784);
  let s = seed;
  for (let i = 0; i < out.length; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    out[i] = s / 2 ** 32;
  }
  return out;
}

test('the same seed builds the same weights, another seed different ones', () => {
  const a = buildModel('small-cnn', { seed: 1 }).getWeights()[0].dataSync();
  const b = buildModel('small-cnn', { seed: 1 }).getWeights()[0].dataSync();
  const c = buildModel('small-cnn', { seed: 2 }).getWeights()[0].dataSync();
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

test('an unknown architecture is an error listing the valid ones', () => {
  assert.throws(() => buildModel('resnet'), /unknown architecture 'resnet'.*default, keras-cnn, small-cnn/);
});

test('every architecture outputs 10 logits per image', () => {
  for (const arch of ['default', 'keras-cnn', 'small-cnn']) {
    const y = buildModel(arch).predict(tf.zeros([2, 28, 28, 1])) as tf.Tensor;
    assert.deepEqual(y.shape, [2, 10], arch);
  }
});

test('the classifier gives probabilities that sum to 1, flatter at a higher temperature', async () => {
  const model = buildModel('small-cnn', { seed: 3 });
  const images = randomImages(4, 7);
  const sharp = await createClassifier(model, 0.05).classify(images, 4);
  const flat = await createClassifier(model, 20).classify(images, 4);
  for (let i = 0; i < 4; i++) {
    const row = Array.from(sharp.subarray(i * 10, i * 10 + 10));
    assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5);
    assert.ok(Math.max(...row) > Math.max(...flat.subarray(i * 10, i * 10 + 10)));
  }
});

test("the classifier's probabilities are softmax(logits / temperature), and a later call leaves them as they were", async () => {
  const model = buildModel('small-cnn', { seed: 6 });
  const images = randomImages(3, 12);
  const expected = tf.tidy(() => tf.softmax(tf.div(model.predict(tf.tensor4d(images, [3, 28, 28, 1])) as tf.Tensor2D, 1.7)).dataSync());
  const classifier = createClassifier(model, 1.7);
  const probabilities = await classifier.classify(images, 3);
  await classifier.classify(randomImages(3, 13), 3); // another batch through the same memory
  assert.equal(probabilities.length, 30);
  probabilities.forEach((p, i) => assert.ok(Math.abs(p - expected[i]) < 1e-6, `value ${i}: ${p} against ${expected[i]}`));
});

test("with a logit scale the classifier gives each image's largest logit over it as evidence; without one, none", async () => {
  const model = buildModel('small-cnn', { seed: 5 });
  const images = randomImages(3, 11);
  const logits = (model.predict(tf.tensor4d(images, [3, 28, 28, 1])) as tf.Tensor).arraySync() as number[][];
  const scaled = await createClassifier(model, 2, 4).classifyWithEvidence!(images, 3);
  logits.forEach((row, i) => assert.ok(Math.abs(scaled.evidence![i] - Math.max(...row) / 4) < 1e-5, `image ${i}`));
  assert.deepEqual(scaled.probabilities, await createClassifier(model, 2, 4).classify(images, 3));
  assert.equal((await createClassifier(model, 2).classifyWithEvidence!(images, 3)).evidence, null);
  assert.throws(() => createClassifier(model, 1, 0), /logit scale must be positive/);
});

test('a saved model loads back with the same predictions, its temperature and its logit scale', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'model-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const model = buildModel('small-cnn', { seed: 4 });
  await saveModel(model, dir, { arch: 'small-cnn', temperature: 1.5, logitScale: 3 });
  const images = randomImages(3, 9);
  const expected = await createClassifier(model, 1.5, 3).classifyWithEvidence!(images, 3);
  const loaded = await loadClassifier(dir);
  assert.equal(loaded.metadata.temperature, 1.5);
  assert.deepEqual(await loaded.classify(images, 3), expected.probabilities);
  assert.deepEqual((await loaded.classifyWithEvidence!(images, 3)).evidence, expected.evidence);
});

test("a model's segmentation verifier in its verifier/ folder loads with it; none without; a wrong one is a clear error", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'model-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await saveModel(buildModel('small-cnn', { seed: 4 }), dir, { arch: 'small-cnn' });
  assert.equal((await loadClassifier(dir)).verify, undefined);

  const verifier = buildVerifier(3);
  await saveModel(verifier, join(dir, 'verifier'), { arch: 'verifier' });
  const images = randomImages(4, 7);
  // the verifier's word is its softmax: ten digits, then "not one whole digit"
  const expected = tf.tidy(() => tf.softmax(verifier.predict(tf.tensor4d(images, [4, 28, 28, 1])) as tf.Tensor2D).dataSync());
  const verdicts = await (await loadClassifier(dir)).verify!(images, 4);
  assert.equal(verdicts.length, 4 * VERIFIER_CLASSES);
  assert.equal(VERIFIER_CLASSES, VERDICT_SIZE, 'the model gives what recognition reads');
  verdicts.forEach((p, i) => assert.ok(Math.abs(p - expected[i]) < 1e-6, `value ${i}: ${p} against ${expected[i]}`));

  await saveModel(buildModel('small-cnn', { seed: 5 }), join(dir, 'verifier'), { arch: 'small-cnn' }); // 10 outputs
  await assert.rejects(loadClassifier(dir), (e: Error) => e instanceof ModelFileError && /not a segmentation verifier/.test(e.message) && /11 outputs/.test(e.message));
});

test('saving again replaces the weights file and leaves no stale or temp files', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'model-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await saveModel(buildModel('small-cnn', { seed: 1 }), dir);
  await saveModel(buildModel('small-cnn', { seed: 2 }), dir);
  const files = (await readdir(dir)).sort();
  assert.equal(files.length, 2, files.join(', '));
  assert.equal(files[0], 'model.json');
  assert.match(files[1], /^weights-[0-9a-f]{12}\.bin$/);
});

test('a missing folder, a corrupt model.json and truncated weights each get a clear error', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'model-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await assert.rejects(loadModel(join(dir, 'nope')), (e: Error) => e instanceof ModelFileError && /does not exist/.test(e.message));
  await saveModel(buildModel('small-cnn'), dir);
  const weights = (await readdir(dir)).find((f) => f.endsWith('.bin'))!;
  const bytes = await readFile(join(dir, weights));
  await writeFile(join(dir, weights), bytes.subarray(0, 100));
  await assert.rejects(loadModel(dir), /have 100 bytes but model.json describes/);
  await writeFile(join(dir, 'model.json'), '{"modelTopology": ');
  await assert.rejects(loadModel(dir), /not valid JSON/);
});
