import test from 'node:test';
import assert from 'node:assert/strict';
import type { MnistSet } from '../../src/data/index.ts';
import { digitStrokes, renderStrokes, toMnistImage } from '../../src/vision/index.ts';
import { verifierCandidates, trainVerifier, verifierAccuracies, NOT_ONE_DIGIT, VERIFIER_RECIPE } from '../../src/train/verifier.ts';
import { useEngine } from '../../src/engine/index.ts';

// Pen-template digits as a small MNIST stand-in: 30 images, 3 of each digit, in MNIST's 0..255 bytes.
function templateSet(): MnistSet {
  const count = 30;
  const images = new Uint8Array(count * 784);
  const labels = new Uint8Array(count);
  for (let k = 0; k < count; k++) {
    labels[k] = k % 10;
    const image = toMnistImage(renderStrokes(digitStrokes(k % 10), { width: 100, height: 100, box: [14 + (k % 3) * 3, 10, 70, 80], thickness: 5 + (k % 3) }));
    for (let i = 0; i < 784; i++) images[k * 784 + i] = Math.round(255 * Math.min(1, image[i]));
  }
  return { images, labels, count, rows: 28, cols: 28 };
}

test('the verifier is trained on lattice candidates labelled as one whole digit (its label) or not, the same for a seed', () => {
  const set = templateSet();
  const a = verifierCandidates(set, { numbers: 12, seed: 3 });
  const b = verifierCandidates(set, { numbers: 12, seed: 3 });
  assert.deepEqual(a.labels, b.labels);
  assert.deepEqual(a.images, b.images);
  assert.equal(a.images.length, a.count * 784);
  const whole = a.labels.filter((label) => label !== NOT_ONE_DIGIT).length;
  // 12 numbers of 2-8 digits: most digits are found whole, and the lattice also offers cuts and joins
  assert.ok(whole >= 24, `${whole} candidates labelled as digits`);
  assert.ok(a.count - whole >= 5, `${a.count - whole} labelled not one digit, of ${a.count}`);
  // a candidate labelled with a digit is that digit: the template it came from is its nearest
  const templates = Array.from({ length: 10 }, (_, d) => set.images.subarray(d * 784, (d + 1) * 784));
  let nearestAgrees = 0;
  for (let k = 0; k < a.count; k++) {
    if (a.labels[k] === NOT_ONE_DIGIT) continue;
    const image = a.images.subarray(k * 784, (k + 1) * 784);
    const distance = templates.map((t) => t.reduce((sum, v, i) => sum + (v - image[i]) ** 2, 0));
    if (distance.indexOf(Math.min(...distance)) === a.labels[k]) nearestAgrees++;
  }
  assert.ok(nearestAgrees >= 0.8 * whole, `${nearestAgrees} of ${whole} digit candidates nearest their label's template`);
  const other = verifierCandidates(set, { numbers: 12, seed: 4 });
  assert.notDeepEqual(other.labels, a.labels);
});

test('training the verifier is deterministic for a seed and gives 11 outputs', async () => {
  await useEngine({ threads: 1 });
  const data = verifierCandidates(templateSet(), { numbers: 8, seed: 5 });
  const config = { ...VERIFIER_RECIPE, epochs: 1, batchSize: 16, heldOut: 20 };
  const first = await trainVerifier(data, config);
  const second = await trainVerifier(data, config);
  assert.deepEqual(first.model.outputs[0].shape, [null, 11]);
  assert.equal(first.epochs.length, 1);
  assert.ok(first.epochs[0].oneDigitAccuracy >= 0 && first.epochs[0].oneDigitAccuracy <= 1);
  const weights = (m: typeof first.model) => m.getWeights().map((w) => Array.from(w.dataSync()));
  assert.deepEqual(weights(first.model), weights(second.model));
  assert.deepEqual(first.epochs[0].loss, second.epochs[0].loss);
});

test("the verifier's accuracies: over its 11 classes, as one digit or not, and as a reader of the true digits", () => {
  const row = (best: number, second = -1) => Array.from({ length: 11 }, (_, c) => (c === best ? 5 : c === second ? 3 : 0));
  const logits = Float32Array.from([
    ...row(3), // a 3, read 3: right on all counts
    ...row(NOT_ONE_DIGIT, 3), // a 3 called "not one digit", its best digit 3: wrong class and kind, right digit
    ...row(NOT_ONE_DIGIT, 7), // a 4 called "not one digit", best digit 7: wrong on all counts
    ...row(8), // a piece called an 8: wrong class and kind; not a digit, so no digit count
    ...row(NOT_ONE_DIGIT), // a piece called a piece: right
  ]);
  const labels = Uint8Array.from([3, 3, 4, NOT_ONE_DIGIT, NOT_ONE_DIGIT]);
  assert.deepEqual(verifierAccuracies(logits, labels), { heldOutAccuracy: 2 / 5, oneDigitAccuracy: 2 / 5, digitAccuracy: 2 / 3 });
});
