import test from 'node:test';
import assert from 'node:assert/strict';
import { strokeLattice, type Strokes } from '../../src/vision/index.ts';

const runs = (strokes: Strokes) =>
  strokeLattice(strokes, { box: [0, 0, 1, 1], penWidth: 4 }).candidates.map((c) => `${c.from}-${c.to}${c.prior ? ` (${c.prior})` : ''}`);

test('candidates are runs of consecutive strokes; strokes with a gap between them side to side are never joined', () => {
  const vertical = (x: number): Strokes[number] => [[x, 10], [x, 90]];
  // a 1, then far to its right a 1: two digits, never one
  assert.deepEqual(runs([vertical(10), vertical(60)]), ['0-1', '1-2']);
  // a wide stroke, then a short one overlapping its right half (touching digits, or one digit's two strokes): both ways
  assert.deepEqual(runs([[[10, 50], [60, 50]], [[50, 10], [90, 90]]]), ['0-1', '0-2', '1-2']);
});

test('parting a stroke from the previous one it mostly overlaps costs, but stays possible', () => {
  // a 4: arm, then a stem through it
  const four: Strokes = [[[40, 10], [10, 60], [60, 60]], [[45, 20], [45, 95]]];
  assert.deepEqual(runs(four), ['0-1', '0-2', '1-2 (-0.5)']);
});

test("each candidate is its own strokes' ink, boxed in the ink's pixels through the given mapping", () => {
  const strokes: Strokes = [[[1, 1], [1, 9]], [[6, 1], [6, 9]]]; // in units: two bars 5 units apart
  const lattice = strokeLattice(strokes, { box: [5, 0, 10, 10], penWidth: 4 }); // 10 px a unit, shifted 5 px right
  assert.equal(lattice.atoms, 2);
  const [first, second] = lattice.candidates.map((c) => c.ink!);
  // the first bar: x = 5 + 10 = 15, y 10..90, widened by half the pen and a pixel
  assert.deepEqual(first.box, [12, 7, 6, 86]);
  assert.deepEqual(second.box, [62, 7, 6, 86]);
  const inked = (ink: typeof first.ink) => ink.data.reduce((n, v) => n + (v > 0.5 ? 1 : 0), 0);
  assert.ok(inked(first.ink) > 200 && inked(second.ink) > 200, 'each bar is drawn in its own crop');
  assert.ok(Math.abs(lattice.lineHeight - 86) < 1e-9);
  assert.deepEqual(strokeLattice([], { box: [0, 0, 1, 1], penWidth: 3 }), { atoms: 0, lineHeight: 0, candidates: [] });
});

test('a stroke added to an earlier digit after the next was begun (a 7 crossed at the end) joins that digit', () => {
  const body: Strokes[number] = [[10, 10], [60, 10], [30, 90]];
  const one: Strokes[number] = [[100, 10], [100, 90]];
  const bar: Strokes[number] = [[25, 50], [50, 50]];
  // read as if drawn body, bar, one: the bar may join the body, never the 1
  assert.deepEqual(runs([body, one, bar]), ['0-1', '0-2', '1-2 (-0.5)', '2-3']);
  assert.deepEqual(runs([body, one, bar]), runs([body, bar, one]));
});
