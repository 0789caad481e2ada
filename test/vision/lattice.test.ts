import test from 'node:test';
import assert from 'node:assert/strict';
import { segmentLattice, segmentLine, digitStrokes, drawStrokes, renderStrokes, type InkMap } from '../../src/vision/index.ts';
import { writeNumber, fiveWithBarApart } from './pages.ts';

test('a lone digit no wider than tall is one candidate, read whole', () => {
  const ink = renderStrokes(digitStrokes(4), { width: 120, height: 120, box: [20, 15, 80, 90], thickness: 7 });
  const lattice = segmentLattice(ink);
  assert.equal(lattice.atoms, 1);
  assert.deepEqual(lattice.candidates.map((c) => [c.from, c.to, c.kind]), [[0, 1, 'whole']]);
});

test('a blob of touching digits is offered whole and cut, in slices left to right that cover it', () => {
  const { ink, boxes } = writeNumber('385', { width: 300, height: 120, gap: -28, jitter: 0 });
  assert.equal(segmentLine(ink, { maxDigitAspect: Infinity }).length, 1, 'the digits touch');
  const lattice = segmentLattice(ink);
  assert.ok(lattice.atoms >= 3, `${lattice.atoms} slices`);
  // one slice after another, left to right
  const slices = lattice.candidates.filter((c) => c.to === c.from + 1 && c.ink).sort((a, b) => a.from - b.from);
  for (let k = 1; k < slices.length; k++) assert.ok(slices[k].ink!.box[0] >= slices[k - 1].ink!.box[0]);
  // some run of slices is each written digit: its box centre inside the written box
  for (const [x, y, w, h] of boxes) {
    const fits = lattice.candidates.some((c) => {
      if (!c.ink) return false;
      const [bx, by, bw, bh] = c.ink.box;
      return Math.abs(bx + bw / 2 - (x + w / 2)) < 0.15 * w && Math.abs(by + bh / 2 - (y + h / 2)) < 0.15 * h;
    });
    assert.ok(fits, `no candidate for the digit written at ${[x, y, w, h]}`);
  }
});

test('a flat digit over twice as wide as its own height is still offered whole, beside the line\'s taller digits', () => {
  const ink: InkMap = { width: 320, height: 120, data: new Float32Array(320 * 120) };
  drawStrokes(ink, digitStrokes(1), [20, 20, 40, 80], 6);
  drawStrokes(ink, digitStrokes(5), [100, 44, 200, 52], 6); // a 5 squashed flat, wider than the digits are tall
  const lattice = segmentLattice(ink);
  const five = lattice.candidates.filter((c) => c.ink && c.ink.box[0] >= 90);
  assert.ok(five.length > 1, 'the wide blob is cut, as it could be touching digits');
  const whole = five.find((c) => c.kind === 'whole');
  assert.ok(whole, 'and offered whole too');
  assert.ok(whole.width > 2 * whole.height, `as wide as ${whole.width.toFixed(2)} line heights, ${whole.height.toFixed(2)} tall`);
});

test('a digit broken into two short pieces side by side is offered as the pieces and joined', () => {
  const ink: InkMap = { width: 240, height: 120, data: new Float32Array(240 * 120) };
  drawStrokes(ink, digitStrokes(1), [20, 20, 50, 80], 6);
  // a 6 whose pen lifted between its stem (upper left) and its loop (lower right)
  drawStrokes(ink, [[[0.5, 0.02], [0.3, 0.2], [0.15, 0.48]]], [120, 20, 60, 80], 6);
  drawStrokes(ink, [[[0.42, 0.62], [0.45, 0.9], [0.7, 0.98], [0.95, 0.85], [0.95, 0.68], [0.7, 0.58], [0.5, 0.66]]], [120, 20, 60, 80], 6);
  const lattice = segmentLattice(ink);
  assert.equal(lattice.atoms, 3);
  const joined = lattice.candidates.find((c) => c.kind === 'joined');
  assert.ok(joined, 'a joined candidate');
  assert.deepEqual([joined.from, joined.to], [1, 3]);
  assert.ok(joined.height > 0.9, `the joined 6 is as tall as the line (${joined.height})`);
  assert.ok(lattice.candidates.some((c) => c.from === 1 && c.to === 2 && c.height < 0.6), 'the stem alone, short');
});

test('a speck beside a digit joins it, and one far from every digit is dropped', () => {
  const ink = renderStrokes(digitStrokes(7), { width: 300, height: 120, box: [20, 15, 70, 90], thickness: 7 });
  const dot = (cx: number, cy: number) => {
    for (let y = cy - 1; y <= cy + 1; y++) for (let x = cx - 1; x <= cx + 1; x++) ink.data[y * 300 + x] = 1;
  };
  const seven = segmentLattice(ink).candidates[0].ink!.box;
  dot(seven[0] + seven[2] + 3, 26); // just past the end of the 7's bar
  dot(260, 60); // far away
  const lattice = segmentLattice(ink);
  assert.equal(lattice.atoms, 1);
  assert.equal(lattice.candidates[0].ink!.box[2], seven[2] + 5, 'the 7 reaches over the near speck');
});

test('a short piece between two digits (a 5\'s bar written apart) is offered joined to either, never alone', () => {
  const lattice = segmentLattice(fiveWithBarApart(84));
  assert.equal(lattice.atoms, 3, 'body, bar, 1');
  const spans = lattice.candidates.map((c) => `${c.from}-${c.to} ${c.kind}`).sort();
  assert.deepEqual(spans, ['0-1 whole', '0-2 joined', '1-3 joined', '2-3 whole']);
  const withFive = lattice.candidates.find((c) => c.from === 0 && c.to === 2)!;
  assert.ok(withFive.height > 0.9, `the 5 with its bar is as tall as the line (${withFive.height.toFixed(2)})`);
});

// Whether some run of candidates covers atoms [0, atoms) end to end, as a reading needs.
function coverable(lattice: ReturnType<typeof segmentLattice>): boolean {
  const reach = new Array<boolean>(lattice.atoms + 1).fill(false);
  reach[0] = true;
  for (let t = 0; t < lattice.atoms; t++) if (reach[t]) for (const c of lattice.candidates) if (c.from === t) reach[c.to] = true;
  return reach[lattice.atoms];
}

test('a short piece that is not short for the line\'s digits is not held apart, so the line can still be read end to end', () => {
  // a bold short blob, a piece beside it, and three tall thin 1s: the piece is short next to the 1s, but not
  // next to the bold blob, whose height is the line's, so the joins the piece would need are never offered
  const ink: InkMap = { width: 300, height: 140, data: new Float32Array(300 * 140) };
  const rect = (x: number, y: number, w: number, h: number) => {
    for (let r = y; r < y + h; r++) for (let c = x; c < x + w; c++) ink.data[r * 300 + c] = 1;
  };
  rect(20, 50, 40, 54);
  rect(65, 60, 8, 35);
  for (const x of [78, 150, 250]) rect(x, 10, 3, 110);
  const lattice = segmentLattice(ink);
  assert.ok(coverable(lattice), `no path through ${lattice.candidates.map((c) => `${c.from}-${c.to}`)}`);
  assert.ok(coverable(segmentLattice(fiveWithBarApart(84))));
});

test('empty ink has no atoms and no candidates', () => {
  const lattice = segmentLattice({ width: 50, height: 40, data: new Float32Array(2000) });
  assert.deepEqual([lattice.atoms, lattice.candidates.length], [0, 0]);
});
