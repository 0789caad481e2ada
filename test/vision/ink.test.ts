import test from 'node:test';
import assert from 'node:assert/strict';
import { findInk, type InkMap } from '../../src/vision/index.ts';
import { writeNumber, onPaper, ruled, inkAgreement } from './pages.ts';

const { ink: written } = writeNumber('2047', { width: 320, height: 120, seed: 3 });

function assertFinds(found: InkMap, expected: InkMap, minRecall = 0.93, minPrecision = 0.97): void {
  const { recall, precision } = inkAgreement(found, expected);
  assert.ok(recall >= minRecall, `recall ${recall.toFixed(3)}`);
  assert.ok(precision >= minPrecision, `precision ${precision.toFixed(3)}`);
}

test('finds black ink on white paper', () => {
  assertFinds(findInk(onPaper(written)), written);
});

test('finds white chalk on a black board (polarity detected)', () => {
  assertFinds(findInk(onPaper(written, { paper: [10, 10, 10], pen: [255, 255, 255] })), written);
});

test('finds blue ink', () => {
  assertFinds(findInk(onPaper(written, { pen: [30, 60, 200] })), written);
});

test('finds ink on a page lit unevenly, from dim grey to bright', () => {
  const page = onPaper(written, { paper: [240, 235, 220], pen: [40, 40, 60], light: (x) => 0.35 + (0.65 * x) / 320 });
  assertFinds(findInk(page), written);
});

test('finds strokes drawn on a transparent canvas', () => {
  assertFinds(findInk(onPaper(written, { transparent: true })), written);
});

test('keeps anti-aliased edges soft rather than binary', () => {
  const found = findInk(onPaper(written));
  let soft = 0;
  for (const v of found.data) if (v > 0.05 && v < 0.95) soft++;
  let full = 0;
  for (const v of found.data) if (v >= 0.95) full++;
  assert.ok(soft > 0.1 * full, `${soft} soft pixels for ${full} full ones`);
});

test('removes salt-and-pepper noise', () => {
  const found = findInk(onPaper(written, { noise: 0.02 }));
  assertFinds(found, written, 0.93, 0.97);
});

test('removes ruled lines without cutting the digits that cross them', () => {
  const page = ruled(written, 24, 2, true, 0.8);
  const found = findInk(onPaper(page));
  assertFinds(found, written, 0.95, 0.85);
  // between the digits, the lines are gone
  let lineInk = 0;
  for (let y = 0; y < 120; y += 24) for (let x = 0; x < 25; x++) lineInk += found.data[y * 320 + x];
  assert.ok(lineInk < 1, `line ink left ${lineInk}`);
});

test('a blank page, a uniform grey page and an empty image have no ink', () => {
  const blank = writeNumber('', { width: 80, height: 60 }).ink;
  for (const page of [onPaper(blank), onPaper(blank, { paper: [128, 128, 128] }), { width: 0, height: 0, data: new Uint8Array(0) }]) {
    const found = findInk(page);
    assert.equal(found.data.reduce((a, b) => a + b, 0), 0);
  }
});
