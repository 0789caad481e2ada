import test from 'node:test';
import assert from 'node:assert/strict';
import { fitTemperature } from '../../src/train/calibrate.ts';
import { softmax } from '../../src/train/evaluate.ts';

/** Logits whose softmax is calibrated by construction: each label is drawn from softmax(logits). */
function calibratedLogits(n: number, seed: number): { logits: Float32Array; labels: number[] } {
  let state = seed;
  const random = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const logits = new Float32Array(n * 10);
  for (let i = 0; i < logits.length; i++) logits[i] = 2 * gaussian();
  const p = softmax(logits);
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    let u = random();
    let label = 9;
    for (let c = 0; c < 10; c++) {
      u -= p[i * 10 + c];
      if (u < 0) {
        label = c;
        break;
      }
    }
    labels.push(label);
  }
  return { logits, labels };
}

test('logits scaled by 3 from calibrated ones fit a temperature of about 3', () => {
  const { logits, labels } = calibratedLogits(20000, 7);
  const fit = fitTemperature(
    logits.map((z) => 3 * z),
    labels,
  );
  assert.ok(Math.abs(fit.temperature - 3) < 0.15, `temperature ${fit.temperature}`);
  assert.ok(fit.nllAfter < fit.nllBefore);
  assert.ok(fit.eceAfter < fit.eceBefore / 3, `ECE ${fit.eceBefore} -> ${fit.eceAfter}`);
});

test('under-confident logits fit a temperature below 1', () => {
  const { logits, labels } = calibratedLogits(20000, 11);
  const fit = fitTemperature(
    logits.map((z) => z / 2),
    labels,
  );
  assert.ok(Math.abs(fit.temperature - 0.5) < 0.05, `temperature ${fit.temperature}`);
});

test('fitting on no examples is an error', () => {
  assert.throws(() => fitTemperature(new Float32Array(0), []), /no examples/);
});
