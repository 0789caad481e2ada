import test from 'node:test';
import assert from 'node:assert/strict';
import { medianLargestLogit } from '../../src/train/index.ts';

test("the logit scale is the median of each row's largest logit", () => {
  // rows' largest logits: 5, 1, 9 (negative entries and their order in the row do not matter)
  const logits = Float32Array.from([5, -2, 0, -1, 1, 0, 3, 9, -7]);
  assert.equal(medianLargestLogit(logits, 3), 5);
  // an even count takes the upper of the two middle values
  assert.equal(medianLargestLogit(Float32Array.from([1, 0, 4, 0, 2, 0, 8, 0]), 2), 4);
  assert.throws(() => medianLargestLogit(new Float32Array(0)), /no examples/);
});
