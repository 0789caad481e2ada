// Reused work arrays (src/vision/scratch.ts): zeroed on every take, shared only under one key, big ones fresh;
// and vision that uses them gives the same answers whatever ran before it.
import test from 'node:test';
import assert from 'node:assert/strict';
import { scratchArray } from '../../src/vision/scratch.ts';
import { findInk, preprocessDigit } from '../../src/vision/index.ts';
import { writeNumber, onPaper, ruled } from './pages.ts';

test('a scratch array is zero-filled every time, even after the last taker wrote into it', () => {
  const first = scratchArray('test.a', Float32Array, 100);
  first.fill(7);
  const again = scratchArray('test.a', Float32Array, 60);
  assert.equal(again.length, 60);
  assert.ok(again.every((v) => v === 0));
  assert.equal(again.buffer, first.buffer, 'the same memory under the same key');
});

test('different keys and different element types never share memory', () => {
  const a = scratchArray('test.b', Int32Array, 50);
  const b = scratchArray('test.c', Int32Array, 50);
  assert.notEqual(a.buffer, b.buffer);
  const asFloats = scratchArray('test.b', Float64Array, 50);
  assert.ok(asFloats instanceof Float64Array);
  assert.notEqual(asFloats.buffer, a.buffer);
});

test('arrays too big to keep are allocated afresh', () => {
  const big = scratchArray('test.big', Uint8Array, 1 << 20);
  const bigAgain = scratchArray('test.big', Uint8Array, 1 << 20);
  assert.notEqual(big.buffer, bigAgain.buffer);
});

test('findInk and preprocessDigit answer the same whatever image was read before', () => {
  const small = onPaper(writeNumber('7', { width: 64, height: 64, seed: 5 }).ink);
  const page = onPaper(ruled(writeNumber('2047', { width: 320, height: 120, seed: 3 }).ink, 24));
  const inkFirst = findInk(small);
  const digitFirst = preprocessDigit(inkFirst);
  findInk(page); // a bigger image through the same work arrays
  preprocessDigit(findInk(page));
  const inkAfter = findInk(small);
  assert.deepEqual(inkAfter.data, inkFirst.data);
  assert.deepEqual(preprocessDigit(inkAfter).image, digitFirst.image);
  assert.ok(inkFirst.data.some((v) => v > 0), 'the digit has ink');
});
