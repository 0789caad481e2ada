// Splitting a line of handwriting into single digits, left to right: connected blobs of ink, with the pieces
// of one digit merged (a 5's detached bar, a broken 4) and blobs too wide for one digit cut where digits touch.
import type { InkMap, Box } from './types.ts';
import { labelComponents, type Component } from './components.ts';

export interface SegmentOptions {
  /** Ink above this belongs to a blob; weaker edge pixels follow the blob they touch. Default 0.3. */
  threshold?: number;
  /**
   * A blob is cut into several digits when wider than this many times its height. Default: 1.45 times the
   * typical width/height of the other blobs in the line (0.65 when there are none), which is 0.94 by default.
   */
  maxDigitAspect?: number;
}

export interface DigitInk {
  box: Box; // where the digit is, in the pixels of the ink given to segmentDigits
  ink: InkMap; // the digit's ink only (other digits' strokes in the same box left out): the box plus a 1 px border
}

// One digit in the making: the blobs it is made of and the columns it keeps.
export interface Group {
  labels: number[];
  x0: number; // inclusive pixel bounds
  x1: number;
  y0: number;
  y1: number;
  area: number;
}

/** One group holding both groups' components. */
export function unite(a: Group, b: Group): Group {
  return {
    labels: [...a.labels, ...b.labels],
    x0: Math.min(a.x0, b.x0),
    x1: Math.max(a.x1, b.x1),
    y0: Math.min(a.y0, b.y0),
    y1: Math.max(a.y1, b.y1),
    area: a.area + b.area,
  };
}

/**
 * One blob (or merged pieces) of the line, and the digits it was cut into: `parts` is [whole] when it was not
 * cut. A cut is a guess from the shape alone (a wide 0 and two touching 1s look alike), so callers with a
 * classifier can read both and keep the more confident reading.
 */
export interface Segment {
  whole: DigitInk;
  parts: DigitInk[];
}

/** The digits in `ink`, left to right, cut where blobs look too wide for one digit; none for empty ink. */
export function segmentDigits(ink: InkMap, options: SegmentOptions = {}): DigitInk[] {
  return segmentLine(ink, options).flatMap((segment) => segment.parts);
}

/** The blobs of `ink` left to right, each with the digits it would be cut into. */
export function segmentLine(ink: InkMap, options: SegmentOptions = {}): Segment[] {
  const { width, height, data } = ink;
  const threshold = options.threshold ?? 0.3;
  const mask = new Uint8Array(width * height);
  for (let i = 0; i < mask.length; i++) mask[i] = data[i] > threshold ? 1 : 0;
  const { labels, components } = labelComponents(mask, width, height);
  if (components.length === 0) return [];

  const lineHeight = typicalHeight(components);
  let groups = mergeFragments(mergePieces(components.map(toGroup), lineHeight), lineHeight);
  // Specks: much smaller than the real digits and short; a thin 1 is small but tall, so it stays.
  const largest = Math.max(...groups.map((g) => g.area));
  groups = groups.filter((g) => g.area >= 0.08 * largest || g.y1 - g.y0 + 1 >= 0.45 * lineHeight);

  const digitAspect = typicalAspect(groups);
  const maxAspect = options.maxDigitAspect ?? 1.45 * digitAspect;
  groups.sort((a, b) => a.x0 + a.x1 - (b.x0 + b.x1));
  return groups.map((group) => {
    const whole = cropGroup(group, ink, labels);
    // a blob well under the line's height is a dash or a stray stroke, however wide: not touching digits
    const short = group.y1 - group.y0 + 1 < 0.6 * lineHeight;
    const pieces = short ? [group] : splitWide(group, ink, labels, maxAspect, digitAspect);
    return { whole, parts: pieces.length === 1 ? [whole] : pieces.map((g) => cropGroup(g, ink, labels)) };
  });
}

const aspectOf = (g: Group) => (g.x1 - g.x0 + 1) / (g.y1 - g.y0 + 1);

// Width over height of one digit in this writing: the median of the blobs narrow enough to be single digits
// (but not 1s), within what handwriting does; 0.65 (MNIST's typical digit) when nothing tells.
function typicalAspect(groups: Group[]): number {
  const aspects = groups
    .map(aspectOf)
    .filter((a) => a > 0.35 && a < 0.9)
    .sort((a, b) => a - b);
  if (aspects.length === 0) return 0.65;
  return Math.min(0.8, Math.max(0.5, aspects[Math.floor(aspects.length / 2)]));
}

export function toGroup(c: Component): Group {
  return { labels: [c.label], x0: c.x0, x1: c.x1, y0: c.y0, y1: c.y1, area: c.area };
}

// The height of a digit in this writing: the median height of the blobs that are not specks.
export function typicalHeight(components: Component[]): number {
  const largest = Math.max(...components.map((c) => c.area));
  const heights = components
    .filter((c) => c.area >= 0.15 * largest)
    .map((c) => c.y1 - c.y0 + 1)
    .sort((a, b) => a - b);
  return heights[Math.floor(heights.length / 2)];
}

/**
 * Blobs that share most of their columns belong to one digit when they sit one above the other (a 5's bar
 * over its body, the halves of a broken stroke) or one of them is a small piece; two full-height blobs side by
 * side with overlapping boxes (a 7's bar over a 1) stay apart.
 */
export function mergePieces(groups: Group[], lineHeight: number): Group[] {
  let merged = true;
  while (merged) {
    merged = false;
    for (let a = 0; a < groups.length && !merged; a++) {
      for (let b = a + 1; b < groups.length && !merged; b++) {
        const ga = groups[a];
        const gb = groups[b];
        const overlapX = Math.min(ga.x1, gb.x1) - Math.max(ga.x0, gb.x0) + 1;
        const narrower = Math.min(ga.x1 - ga.x0 + 1, gb.x1 - gb.x0 + 1);
        if (overlapX < 0.5 * narrower) continue;
        const overlapY = Math.min(ga.y1, gb.y1) - Math.max(ga.y0, gb.y0) + 1;
        const shorter = Math.min(ga.y1 - ga.y0 + 1, gb.y1 - gb.y0 + 1);
        const gapY = -overlapY; // rows between them when stacked
        const stacked = overlapY < 0.3 * shorter && gapY < 0.35 * lineHeight;
        const smallPiece = shorter < 0.45 * lineHeight && gapY < 0.2 * lineHeight;
        if (!stacked && !smallPiece) continue;
        groups[a] = unite(ga, gb);
        groups.splice(b, 1);
        merged = true;
      }
    }
  }
  return groups;
}

/**
 * A fragment (a piece of a digit whose stroke broke: under half as tall as the digits, like the detached top
 * of a faint 8 or a 5's bar written apart and to the right) joins the nearest digit-sized group when it is
 * within a fifth of the line height of it, whether or not their columns overlap. Left alone it would be read as a digit of its own. Fragments far from any digit
 * stay, and are dropped as specks or read as what they are.
 */
export function mergeFragments(groups: Group[], lineHeight: number): Group[] {
  const isFragment = (g: Group) => g.y1 - g.y0 + 1 < 0.45 * lineHeight;
  const gapBetween = (a: Group, b: Group) => {
    const gx = Math.max(0, Math.max(a.x0, b.x0) - Math.min(a.x1, b.x1) - 1);
    const gy = Math.max(0, Math.max(a.y0, b.y0) - Math.min(a.y1, b.y1) - 1);
    return Math.hypot(gx, gy);
  };
  const out = groups.filter((g) => !isFragment(g));
  if (out.length === 0) return groups;
  for (const fragment of groups.filter(isFragment).sort((a, b) => b.area - a.area)) {
    let nearest = -1;
    let nearestGap = Infinity;
    out.forEach((g, k) => {
      const gap = gapBetween(fragment, g);
      if (gap < nearestGap) {
        nearestGap = gap;
        nearest = k;
      }
    });
    if (nearestGap > 0.2 * lineHeight) {
      out.push(fragment);
      continue;
    }
    out[nearest] = unite(out[nearest], fragment);
  }
  return out;
}

/**
 * A blob wider than one digit is several touching digits: cut it at the column with the least ink near where
 * a digit boundary is expected (a digit is `digitAspect` of its height wide), then look at each side again.
 */
function splitWide(group: Group, ink: InkMap, labels: Int32Array, maxAspect: number, digitAspect: number): Group[] {
  const w = group.x1 - group.x0 + 1;
  const h = group.y1 - group.y0 + 1;
  if (w <= maxAspect * h || w < 6) return [group];
  const own = membership(group.labels);
  const profile = new Float32Array(w); // ink per column, (w)
  for (let y = group.y0; y <= group.y1; y++) {
    for (let x = group.x0; x <= group.x1; x++) {
      const i = y * ink.width + x;
      if (labels[i] && own[labels[i]]) profile[x - group.x0] += ink.data[i];
    }
  }
  const peak = Math.max(...profile);
  // overlapping digits make the blob narrower than the sum of their widths, hence the rounding up from 0.3
  const pieces = Math.max(2, Math.round(w / (digitAspect * h) + 0.2));
  const digitWidth = w / pieces;
  let bestCut = -1;
  let bestCost = Infinity;
  const margin = Math.max(2, Math.round(0.25 * h));
  for (let x = margin; x < w - margin; x++) {
    // distance to the nearest expected boundary, in digit widths (0 .. 0.5)
    const phase = x / digitWidth;
    const offBoundary = Math.abs(phase - Math.round(phase));
    const cost = profile[x] / peak + 0.8 * offBoundary;
    if (cost < bestCost) {
      bestCost = cost;
      bestCut = x;
    }
  }
  if (bestCut < 0) return [group];
  const cutX = group.x0 + bestCut;
  const left = shrinkToInk({ ...group, x1: cutX - 1 }, ink, labels);
  const right = shrinkToInk({ ...group, x0: cutX }, ink, labels);
  if (!left || !right) return [group];
  // both sides must look like digits: a cut that only shaves off a stroke's tail (a 3's long flourish) is no cut
  const digitLike = (g: Group) => g.y1 - g.y0 + 1 >= 0.45 * h && g.area >= 0.12 * group.area;
  if (!digitLike(left) || !digitLike(right)) return [group];
  return [...splitWide(left, ink, labels, maxAspect, digitAspect), ...splitWide(right, ink, labels, maxAspect, digitAspect)];
}

// The group's bounds tightened to its own ink inside its columns; null when there is none.
function shrinkToInk(group: Group, ink: InkMap, labels: Int32Array): Group | null {
  const own = membership(group.labels);
  let x0 = Infinity;
  let x1 = -1;
  let y0 = Infinity;
  let y1 = -1;
  let area = 0;
  for (let y = group.y0; y <= group.y1; y++) {
    for (let x = group.x0; x <= group.x1; x++) {
      const label = labels[y * ink.width + x];
      if (!label || !own[label]) continue;
      area++;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  return area === 0 ? null : { labels: group.labels, x0, x1, y0, y1, area };
}

// The group's ink in its box: its own blobs, plus the faint edge pixels touching them (below the threshold,
// so unlabelled), which keep the strokes anti-aliased.
function cropGroup(group: Group, ink: InkMap, labels: Int32Array): DigitInk {
  const own = membership(group.labels);
  const x0 = Math.max(0, group.x0 - 1);
  const y0 = Math.max(0, group.y0 - 1);
  const x1 = Math.min(ink.width - 1, group.x1 + 1);
  const y1 = Math.min(ink.height - 1, group.y1 + 1);
  const w = x1 - x0 + 1;
  const h = y1 - y0 + 1;
  const out = new Float32Array(w * h);
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const i = y * ink.width + x;
      const label = labels[i];
      let mine = label !== 0 && own[label] === 1;
      if (!mine && label === 0 && ink.data[i] > 0) {
        // an edge pixel: keep it when it touches this group's ink within the group's columns
        for (let dy = -1; dy <= 1 && !mine; dy++) {
          for (let dx = -1; dx <= 1 && !mine; dx++) {
            const nx = x + dx;
            const ny = y + dy;
            if (nx < group.x0 || nx > group.x1 || ny < 0 || ny >= ink.height) continue;
            const l = labels[ny * ink.width + nx];
            mine = l !== 0 && own[l] === 1;
          }
        }
      } else if (mine && (x < group.x0 || x > group.x1)) {
        mine = false; // the other side of a cut through touching digits
      }
      if (mine) out[(y - y0) * w + (x - x0)] = ink.data[i];
    }
  }
  const box: Box = [group.x0, group.y0, group.x1 - group.x0 + 1, group.y1 - group.y0 + 1];
  return { box, ink: { width: w, height: h, data: out } };
}

// own[label] is 1 for the group's labels: a flat lookup, as the per-pixel loops ask it for every ink pixel.
export function membership(labels: number[]): Uint8Array {
  const own = new Uint8Array(Math.max(...labels) + 1);
  for (const label of labels) own[label] = 1;
  return own;
}
