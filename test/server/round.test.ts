import test from 'node:test';
import assert from 'node:assert/strict';
import { roundReading } from '../../src/server/index.ts';

test('readings are rounded to six significant digits for JSON', () => {
  const probabilities = Array.from(new Float32Array([0.01, 0.91, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01]));
  const rounded = roundReading({ digits: '1', confidence: probabilities[1], items: [{ digit: 1, confidence: probabilities[1], box: [1, 2, 3, 4], probabilities }] });
  assert.equal(rounded.confidence, 0.91);
  assert.deepEqual(rounded.items[0].probabilities, [0.01, 0.91, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01]);
  assert.deepEqual(rounded.items[0].box, [1, 2, 3, 4]);
});
