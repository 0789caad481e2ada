// Every plausible way to cut a line of handwriting into digits, for a classifier to choose from. Shape alone
// cannot tell a wide 0 from two touching 1s, or the two halves of a broken 6 from a 1 and a 0: the line is cut
// into atoms (blobs, and slices of blobs wide enough to hold touching digits), and each run of atoms that could
// be one digit is a candidate. A reader classifies every candidate in one batch and keeps the best path
// through them (see recognize's readLattice).
import type { InkMap, Box } from './types.ts';
import { labelComponents } from './components.ts';
import { mergeFragments, mergePieces, membership, toGroup, typicalHeight, unite, type Group, type DigitInk } from './segment.ts';

export interface LatticeOptions {
  /** Ink above this belongs to a blob; weaker edge pixels follow the blob they touch. Default 0.3. */
  threshold?: number;
  /**
   * A blob wider than this many line heights may be touching digits: cuts through it are proposed. Default 0.85;
   * a line of one blob (a single digit, or a number written in one stroke) is cut only when it is wider than
   * tall, which few single digits are, so reading one digit costs one classification.
   */
  cutWidth?: number;
}

/** One way to read a stretch of the line: as one digit, or (kind 'skip', no ink) as nothing. */
export interface DigitCandidate {
  from: number; // the atoms it covers, [from, to): a path through the line uses each atom exactly once
  to: number;
  ink: DigitInk | null; // null for 'skip'
  /** 'whole': a blob as it is; 'cut': part of a blob, cut where touching digits may meet; 'joined': blobs put
   *  together (a digit whose stroke broke); 'skip': a slice with no ink of its own, read as nothing. */
  kind: 'whole' | 'cut' | 'joined' | 'skip';
  height: number; // of its ink, in line heights
  width: number;
  /** Added to the candidate's score on a path: what the lattice knows for or against it (default 0). */
  prior?: number;
}

export interface Lattice {
  atoms: number;
  lineHeight: number; // the typical digit height in this line, pixels
  candidates: DigitCandidate[];
}

// A blob part: the group's ink between two cut paths (left inclusive, right exclusive). A path gives, for each
// row of the group's box, the first column on its right side; null is the blob's own edge.
type CutPath = Int32Array | null;

/** The lattice of `ink`'s line: atoms left to right and the candidate digits over them. */
export function segmentLattice(ink: InkMap, options: LatticeOptions = {}): Lattice {
  const { width, height, data } = ink;
  const threshold = options.threshold ?? 0.3;
  const mask = new Uint8Array(width * height);
  for (let i = 0; i < mask.length; i++) mask[i] = data[i] > threshold ? 1 : 0;
  const { labels, components } = labelComponents(mask, width, height);
  if (components.length === 0) return { atoms: 0, lineHeight: 0, candidates: [] };

  const heightOf = (g: Group) => g.y1 - g.y0 + 1;
  const widthOf = (g: Group) => g.x1 - g.x0 + 1;
  const isFragment = (g: Group) => heightOf(g) < 0.6 * lineHeight;
  // pieces one above the other, and small pieces beside a digit, are one digit (the rules of segmentLine),
  // except a small piece between two digits, held apart for the classifier to place (see heldFragments); then
  // the line's height is measured again on what they made, as a digit in pieces is shorter than the digit
  const pieceHeight = typicalHeight(components);
  const pieces = mergePieces(components.map(toGroup), pieceHeight);
  const held = heldFragments(pieces, pieceHeight);
  let groups = mergeFragments(pieces.filter((g) => !held.has(g)), pieceHeight);
  const lineHeight = typicalGroupHeight(groups);
  // specks (much less ink than the largest blob, and short) left after that are dirt; a thin 1 is tall, so it stays
  const largest = Math.max(...groups.map((g) => g.area));
  groups = groups.filter((g) => g.area >= 0.08 * largest || heightOf(g) >= 0.45 * lineHeight);
  groups.push(...held);
  groups.sort((a, b) => a.x0 + a.x1 - (b.x0 + b.x1));
  const cutWidth = options.cutWidth ?? (groups.length - held.size === 1 ? 1 : 0.85);
  const willCut = (g: Group) => widthOf(g) > cutWidth * lineHeight && heightOf(g) >= 0.6 * lineHeight && widthOf(g) >= 6;
  // A held fragment is offered joined to either neighbour only when the joined candidates below will offer both
  // (it is short for this line too, and each neighbour is an uncut, near, narrow enough digit); else it joins
  // the nearer, as mergeFragments would have. A merge changes a neighbour, so look again until none is made.
  for (let merged = true; merged; ) {
    merged = false;
    for (let k = 0; k < groups.length; k++) {
      if (!held.has(groups[k])) continue;
      const [left, fragment, right] = [groups[k - 1], groups[k], groups[k + 1]];
      const gap = (g: Group | undefined) => (g ? gapBetween(g, fragment) : Infinity);
      const joinable = (g: Group | undefined) =>
        !!g && !held.has(g) && !willCut(g) && gap(g) <= 0.2 * lineHeight && widthOf(unite(g, fragment)) <= 1.3 * lineHeight;
      if (isFragment(fragment) && joinable(left) && joinable(right)) continue;
      if (!left && !right) {
        held.delete(fragment); // alone in the line: read as it is
        continue;
      }
      const side = gap(left) <= gap(right) ? k - 1 : k + 1;
      groups[side] = unite(groups[side], fragment);
      groups.splice(k, 1);
      held.delete(fragment);
      merged = true;
      k--;
    }
  }

  const candidates: DigitCandidate[] = [];
  const add = (from: number, to: number, piece: DigitInk | null, kind: DigitCandidate['kind']) => {
    if (!piece) {
      candidates.push({ from, to, ink: null, kind: 'skip', height: 0, width: 0 });
      return;
    }
    const [, , w, h] = piece.box;
    candidates.push({ from, to, ink: piece, kind, height: h / lineHeight, width: w / lineHeight });
  };

  let atom = 0;
  const firstAtom: number[] = []; // per group
  const uncut: boolean[] = [];
  for (const group of groups) {
    firstAtom.push(atom);
    const h = heightOf(group);
    const paths = willCut(group) ? cutPaths(group, ink, labels, lineHeight) : [];
    uncut.push(paths.length === 0);
    if (paths.length === 0) {
      if (!held.has(group)) add(atom, atom + 1, crop(group, ink, labels, null, null), 'whole');
      atom++;
      continue;
    }
    // slices 0..k between the k paths; every run of slices no wider than a wide digit is a candidate, and the
    // whole blob too unless it is over twice as wide as tall (no digit is) and as the line's digits are: a flat
    // digit (a 5 with a long bar, a 2 with a long tail) is wider than twice its own height
    const k = paths.length;
    const bounds: CutPath[] = [null, ...paths, null];
    for (let a = 0; a <= k; a++) {
      for (let b = a + 1; b <= k + 1; b++) {
        const whole = a === 0 && b === k + 1;
        const piece = crop(group, ink, labels, bounds[a], bounds[b]);
        if (!piece) {
          if (b === a + 1) add(atom + a, atom + b, null, 'skip'); // an empty slice: nothing to read
          continue;
        }
        const pieceWidth = piece.box[2];
        if (whole ? pieceWidth > 2 * Math.max(h, lineHeight) : b > a + 1 && pieceWidth > 1.3 * lineHeight) continue;
        add(atom + a, atom + b, piece, whole ? 'whole' : 'cut');
      }
    }
    atom += k + 1;
  }

  // Blobs side by side that may be one digit whose stroke broke: up to three neighbours within a fifth of the
  // line height of each other, all but one of them short pieces, together no wider than a wide digit.
  for (let i = 0; i < groups.length; i++) {
    if (!uncut[i]) continue;
    let union = groups[i];
    let fullSize = isFragment(groups[i]) ? 0 : 1;
    for (let j = i + 1; j < groups.length && j < i + 3; j++) {
      if (!uncut[j] || gapBetween(groups[j - 1], groups[j]) > 0.2 * lineHeight) break;
      fullSize += isFragment(groups[j]) ? 0 : 1;
      if (fullSize > 1) break;
      union = unite(union, groups[j]);
      if (widthOf(union) > 1.3 * lineHeight) break;
      add(firstAtom[i], firstAtom[j] + 1, crop(union, ink, labels, null, null), 'joined');
    }
  }
  return { atoms: atom, lineHeight, candidates };
}

// Fragments (under 0.45 line heights tall, like a 5's bar written apart) between two digit-sized groups, each
// within a fifth of the line height: which digit such a piece belongs to is for the classifier to say, so it
// is an atom of its own, offered joined to either neighbour and never read alone. Merged into the nearer, a
// 5's bar often went to the next digit (586 read 376). Validation numbers (MNIST training images 55,000-59,999,
// 1,000 per kind, seeds 7 and 8): 4,224 -> 4,232 right of 6,000 (non-touching +8, touching -1, photo-like +1).
function heldFragments(groups: Group[], lineHeight: number): Set<Group> {
  const isFragment = (g: Group) => g.y1 - g.y0 + 1 < 0.45 * lineHeight;
  const centre = (g: Group) => g.x0 + g.x1;
  const held = new Set<Group>();
  for (const fragment of groups.filter(isFragment)) {
    const near = groups.filter((g) => !isFragment(g) && gapBetween(g, fragment) <= 0.2 * lineHeight);
    if (near.some((g) => centre(g) < centre(fragment)) && near.some((g) => centre(g) > centre(fragment))) held.add(fragment);
  }
  return held;
}

// The height of a digit in this line: the upper quartile of the heights of the groups that are not specks (a
// fifth of the largest's ink or more); not the median, which a digit broken into two short pieces would drag down.
function typicalGroupHeight(groups: Group[]): number {
  const largest = Math.max(...groups.map((g) => g.area));
  const heights = groups
    .filter((g) => g.area >= 0.2 * largest)
    .map((g) => g.y1 - g.y0 + 1)
    .sort((a, b) => a - b);
  return heights[Math.round(0.75 * (heights.length - 1))];
}

// Pixels between the boxes of two groups (0 when they overlap or touch), as a straight-line distance.
function gapBetween(a: Group, b: Group): number {
  const gx = Math.max(0, Math.max(a.x0, b.x0) - Math.min(a.x1, b.x1) - 1);
  const gy = Math.max(0, Math.max(a.y0, b.y0) - Math.min(a.y1, b.y1) - 1);
  return Math.hypot(gx, gy);
}

/**
 * Where touching digits may meet in a blob: the cheapest paths from the top row to the bottom one (moving at
 * most one column a row, staying near one column), at the columns where that cost is locally least: a cut
 * follows the gap between slanted digits and crosses ink only where they touch. Left to right, never crossing.
 */
function cutPaths(group: Group, ink: InkMap, labels: Int32Array, lineHeight: number): Int32Array[] {
  const w = group.x1 - group.x0 + 1;
  const h = group.y1 - group.y0 + 1;
  const own = membership(group.labels);
  const inkAt = new Float32Array(w * h); // the group's own ink, (h, w)
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (group.y0 + y) * ink.width + group.x0 + x;
      if (labels[i] && own[labels[i]]) inkAt[y * w + x] = ink.data[i];
    }
  }
  // in line heights: no end slice narrower than a thin 1, cuts at least a tenth apart, one cut for every quarter
  // line height of width. Where digits touch, the right cut is often not among a few: of the touching validation
  // numbers misread with a cut every half line height, 0.2 apart, 85% had no path whose pieces' boxes matched the
  // digits. Denser cuts (chosen by a rule written first, on numbers of MNIST validation digits, 1,000 per kind):
  // seeds 7+8 5,311 -> 5,503 of 6,000 right (touching +193, others -1), seed 9 2,622 -> 2,712, for about 2.8x the
  // images classified on a touching line and 2x on others (single digits are not cut). A path may wander a fifth
  // of a line height from its column (it was 0.12; the same band bounds the search for an equal-width boundary
  // below), so it can follow the gap between slanted or overlapping digits, and nearby columns more often find
  // the same path, which is then offered once: seeds 7+8 5,503 ->
  // 5,536 (touching +32), seed 9 2,712 -> 2,726, for a quarter fewer images on a touching line (0.3: fewer
  // images still, but seed 7 read 2,749 against 2,759).
  const margin = Math.max(2, Math.round(0.15 * lineHeight));
  const spacing = Math.max(3, Math.round(0.1 * lineHeight));
  const band = Math.max(2, Math.round(0.2 * lineHeight));
  const maxCuts = Math.min(16, Math.max(1, Math.round(w / (0.25 * lineHeight))));
  // the cheapest path near each column; where touching digits meet, it crosses ink only at the joint
  const near: { path: Int32Array; cost: number }[] = [];
  for (let x = 0; x < w; x++) near.push(x < margin || x >= w - margin ? { path: new Int32Array(0), cost: Infinity } : cheapestPath(inkAt, w, h, x, band));
  // local minima of that cost, cheapest first, at least `spacing` apart
  const minima: number[] = [];
  for (let x = margin; x < w - margin; x++) if (near[x].cost <= near[x - 1].cost && near[x].cost <= near[x + 1].cost) minima.push(x);
  minima.sort((a, b) => near[a].cost - near[b].cost);
  const columns: number[] = [];
  const take = (x: number) => {
    if (near[x].cost < Infinity && columns.every((c) => Math.abs(c - x) >= spacing)) columns.push(x);
  };
  // where the boundaries would be if the blob were digits of equal width (as many as a typical digit's width
  // fits), at the cheapest path nearby: rings that overlap meet where ink is not least
  const typical = Math.max(2, Math.round(w / (0.6 * lineHeight)));
  for (let j = 1; j < typical; j++) {
    const expected = Math.round((j * w) / typical);
    let x = -1;
    for (let c = Math.max(margin, expected - band); c <= Math.min(w - margin - 1, expected + band); c++) if (x < 0 || near[c].cost < near[x].cost) x = c;
    if (x >= 0) take(x);
  }
  for (const x of minima) {
    if (columns.length >= maxCuts) break;
    take(x);
  }
  columns.sort((a, b) => a - b);

  const paths: Int32Array[] = [];
  let lastMean = -Infinity;
  for (const column of columns) {
    const path = near[column].path.slice();
    if (paths.length > 0) {
      const previous = paths[paths.length - 1];
      for (let y = 0; y < h; y++) path[y] = Math.max(path[y], previous[y]); // never cross the cut on the left
    }
    let mean = 0;
    for (let y = 0; y < h; y++) mean += path[y] / h;
    if (mean - lastMean < 1) continue; // the same cut as the last one
    lastMean = mean;
    paths.push(path);
  }
  // columns relative to the group -> absolute columns of the ink
  for (const path of paths) for (let y = 0; y < h; y++) path[y] += group.x0;
  return paths;
}

// The top-to-bottom path through columns anchor +- band of `cost` (h, w) with the least ink, moving at most one
// column a row; a small charge for each move and for each column off the anchor keeps it straight and near the
// anchor where ink does not decide. Its column per row, and its cost.
function cheapestPath(cost: Float32Array, w: number, h: number, anchor: number, band: number): { path: Int32Array; cost: number } {
  const lo = Math.max(1, anchor - band);
  const hi = Math.min(w - 1, anchor + band);
  const n = hi - lo + 1;
  const total = new Float32Array(h * n);
  const from = new Int8Array(h * n);
  const off = (c: number) => 0.01 * Math.abs(lo + c - anchor);
  for (let c = 0; c < n; c++) total[c] = cost[lo + c] + off(c);
  for (let y = 1; y < h; y++) {
    for (let c = 0; c < n; c++) {
      let best = total[(y - 1) * n + c];
      let step = 0;
      if (c > 0 && total[(y - 1) * n + c - 1] + 0.05 < best) [best, step] = [total[(y - 1) * n + c - 1] + 0.05, -1];
      if (c < n - 1 && total[(y - 1) * n + c + 1] + 0.05 < best) [best, step] = [total[(y - 1) * n + c + 1] + 0.05, 1];
      total[y * n + c] = best + cost[y * w + lo + c] + off(c);
      from[y * n + c] = step;
    }
  }
  let c = 0;
  for (let k = 1; k < n; k++) if (total[(h - 1) * n + k] < total[(h - 1) * n + c]) c = k;
  const pathCost = total[(h - 1) * n + c];
  const path = new Int32Array(h);
  for (let y = h - 1; y >= 0; y--) {
    path[y] = lo + c;
    c += from[y * n + c];
  }
  return { path, cost: pathCost };
}

/**
 * The group's ink between two cut paths (left: columns >= left[row]; right: columns < right[row]; null: no
 * bound), plus the faint edge pixels touching it (below the threshold, so unlabelled), which keep the strokes
 * anti-aliased; boxed to that ink. Null when there is none.
 */
function crop(group: Group, ink: InkMap, labels: Int32Array, left: CutPath, right: CutPath): DigitInk | null {
  const own = membership(group.labels);
  const inside = (x: number, y: number) => {
    if (y < group.y0 || y > group.y1 || x < group.x0 || x > group.x1) return false;
    const label = labels[y * ink.width + x];
    if (!label || !own[label]) return false;
    return (!left || x >= left[y - group.y0]) && (!right || x < right[y - group.y0]);
  };
  let x0 = Infinity;
  let x1 = -1;
  let y0 = Infinity;
  let y1 = -1;
  for (let y = group.y0; y <= group.y1; y++) {
    for (let x = group.x0; x <= group.x1; x++) {
      if (!inside(x, y)) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  if (x1 < 0) return null;
  const bx0 = Math.max(0, x0 - 1);
  const by0 = Math.max(0, y0 - 1);
  const bx1 = Math.min(ink.width - 1, x1 + 1);
  const by1 = Math.min(ink.height - 1, y1 + 1);
  const w = bx1 - bx0 + 1;
  const h = by1 - by0 + 1;
  const out = new Float32Array(w * h); // (h, w)
  for (let y = by0; y <= by1; y++) {
    for (let x = bx0; x <= bx1; x++) {
      const i = y * ink.width + x;
      let mine = inside(x, y);
      if (!mine && labels[i] === 0 && ink.data[i] > 0) {
        for (let dy = -1; dy <= 1 && !mine; dy++) for (let dx = -1; dx <= 1 && !mine; dx++) mine = inside(x + dx, y + dy);
      }
      if (mine) out[(y - by0) * w + (x - bx0)] = ink.data[i];
    }
  }
  const box: Box = [x0, y0, x1 - x0 + 1, y1 - y0 + 1];
  return { box, ink: { width: w, height: h, data: out } };
}
