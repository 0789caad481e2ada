import test from 'node:test';
import assert from 'node:assert/strict';
import { segmentDigits, segmentLine, digitStrokes, drawStrokes, type Box, type InkMap } from '../../src/vision/index.ts';
import { writeNumber } from './pages.ts';

const centreX = (box: Box) => box[0] + box[2] / 2;

// Each found box should hold the centre of the digit written there, in order.
function assertMatches(found: Box[], written: Box[]): void {
  assert.equal(found.length, written.length, `found ${found.length} digits, wrote ${written.length}`);
  found.forEach((box, k) => {
    const c = centreX(written[k]);
    assert.ok(box[0] <= c && c <= box[0] + box[2], `digit ${k}: box ${box} misses the written centre ${c}`);
  });
}

test('digits spaced apart come out one each, left to right', () => {
  for (const digits of ['38', '507', '2961', '44180']) {
    const { ink, boxes } = writeNumber(digits, { width: 100 * digits.length, height: 120, seed: digits.length });
    assertMatches(segmentDigits(ink).map((d) => d.box), boxes);
  }
});

test('digits whose boxes overlap (a 7 reaching over a 1) stay apart', () => {
  const { ink, boxes } = writeNumber('71', { width: 200, height: 120, gap: -10, jitter: 0 });
  assertMatches(segmentDigits(ink).map((d) => d.box), boxes);
});

test('touching digits are cut apart', () => {
  for (const [digits, gap] of [['00', -22], ['385', -28], ['2406', -24], ['56', -30]] as const) {
    const { ink, boxes } = writeNumber(digits, { width: 90 * digits.length, height: 120, gap, jitter: 0, seed: 5 });
    const blobs = segmentDigits(ink, { maxDigitAspect: Infinity }).length;
    assert.ok(blobs < digits.length, `${digits}: the digits should touch, but make ${blobs} blobs`);
    const found = segmentDigits(ink).map((d) => d.box);
    assertMatches(found, boxes);
  }
});

test("a 5's detached top bar and a 4 drawn in two strokes each stay one digit", () => {
  const ink: InkMap = { width: 240, height: 120, data: new Float32Array(240 * 120) };
  drawStrokes(ink, digitStrokes(5, 'plain'), [20, 20, 56, 80], 6);
  // a 4 whose crossing stroke stops short of the upright: two separate blobs
  drawStrokes(ink, [[[0.6, 0.03], [0.15, 0.66], [0.5, 0.66]]], [130, 20, 56, 80], 6);
  drawStrokes(ink, [[[0.66, 0.03], [0.66, 0.98]]], [130, 20, 56, 80], 6);
  const found = segmentDigits(ink);
  assert.equal(found.length, 2);
  assert.ok(found[0].box[1] <= 24 && found[0].box[1] + found[0].box[3] >= 96, `the 5 spans ${found[0].box}`);
});

test('a broken stroke (a gap in a 7) stays one digit', () => {
  const ink: InkMap = { width: 120, height: 120, data: new Float32Array(120 * 120) };
  drawStrokes(ink, [[[0.18, 0.05], [0.82, 0.05], [0.66, 0.4]], [[0.6, 0.52], [0.42, 0.97]]], [30, 20, 60, 80], 6);
  assert.equal(segmentDigits(ink).length, 1);
});

test("a small piece broken off a digit beside it (not above it) joins that digit, not a digit of its own", () => {
  const { ink, boxes } = writeNumber('38', { width: 240, height: 120, seed: 3, jitter: 0 });
  // a short stroke just right of the 8's upper half, 3 px from its ink: the 8's top that the pen lifted from
  const [x8, y8, w8, h8] = boxes[1];
  const right8 = Math.max(...segmentDigits(ink).map((d) => d.box[0] + d.box[2]));
  drawStrokes(ink, [[[0, 0.1], [1, 0.5]]], [right8 + 3, y8 + h8 * 0.05, Math.round(w8 * 0.25), Math.round(h8 * 0.2)], 4);
  const found = segmentDigits(ink);
  assert.equal(found.length, 2, `found ${found.map((d) => d.box).join(' | ')}`);
  assert.ok(found[1].box[0] + found[1].box[2] > right8 + 3, "the piece is inside the 8's box");
  assert.ok(found[1].box[0] <= x8 + w8 / 2);
});

test("a 5's bar written apart and to the right of its body joins it, however much ink it has", () => {
  const ink: InkMap = { width: 240, height: 140, data: new Float32Array(240 * 140) };
  // the body of a 5 (down stroke, then the bowl), and a long thick bar starting over its middle, 2 px above it
  drawStrokes(ink, [[[0.1, 0.0], [0.05, 0.4], [0.6, 0.35], [0.75, 0.7], [0.4, 1], [0, 0.9]]], [40, 40, 60, 80], 8);
  drawStrokes(ink, [[[0, 0.5], [1, 0.5]]], [80, 22, 70, 12], 9);
  assert.equal(segmentLine(ink).length, 1);
});

test('a dash between digits is one piece, not cut into several digits however wide it is', () => {
  const { ink } = writeNumber('44', { width: 400, height: 120, gap: 160, jitter: 0 });
  drawStrokes(ink, [[[0, 0.5], [1, 0.5]]], [125, 55, 90, 10], 7);
  const segments = segmentLine(ink);
  assert.equal(segments.length, 3);
  assert.equal(segments[1].parts.length, 1, `the dash was cut into ${segments[1].parts.length}`);
});

test("a digit with a long tail is not cut where only the tail would come off", () => {
  // a 3 whose bottom stroke sweeps far left, flat along the baseline: wider than a digit, but one digit
  const ink: InkMap = { width: 260, height: 140, data: new Float32Array(260 * 140) };
  drawStrokes(ink, [[[0.55, 0.05], [0.95, 0.15], [0.7, 0.45], [0.98, 0.75], [0.6, 0.97], [0, 0.95]]], [40, 20, 150, 100], 7);
  const [segment] = segmentLine(ink);
  for (const part of segment.parts) assert.ok(part.box[3] >= 0.45 * segment.whole.box[3], `a sliver was cut off: ${part.box}`);
});

test('specks much smaller than the digits are dropped, and a thin 1 is kept', () => {
  const { ink, boxes } = writeNumber('81', { width: 200, height: 120, seed: 2, jitter: 0 });
  for (const [x, y] of [[5, 5], [150, 110], [190, 10]]) ink.data[y * 200 + x] = ink.data[y * 200 + x + 1] = 1;
  assertMatches(segmentDigits(ink).map((d) => d.box), boxes);
});

test("each digit's ink holds only its own strokes", () => {
  const { ink } = writeNumber('71', { width: 200, height: 120, gap: -10, jitter: 0 });
  const [seven, one] = segmentDigits(ink);
  const massOf = (m: InkMap) => m.data.reduce((a, b) => a + b, 0);
  const total = massOf(ink);
  assert.ok(Math.abs(massOf(seven.ink) + massOf(one.ink) - total) / total < 0.02, 'ink is shared out, not copied');
});

test('empty ink has no digits', () => {
  assert.deepEqual(segmentDigits({ width: 30, height: 30, data: new Float32Array(900) }), []);
});
