// A lattice from pen strokes rather than pixels: on the drawing pad the strokes are known, and a digit is whole
// strokes, so digits that touch or overlap need no cut through their ink. The atoms are the strokes in the order
// they were drawn (people finish one digit before the next; a stroke added to an earlier digit later moves back
// to it, see lateStrokesBack); a candidate digit is a run of up to MAX_RUN
// consecutive strokes (more only where strokes mostly overlap side to side), drawn on its own. Consecutive
// strokes with a gap between them side to side are never offered together; parting consecutive strokes that
// mostly overlap (the stem of a 4 through its arm) costs a little. Chosen on numbers written with the jittered
// pen templates (2-6 digits, 300 per spacing, two seeds): at spacings of 1, 0.8, 0.65, 0.55 and 0.45 digit
// widths, whole numbers read 100 / 100 / 99 / 98-99 / 95-97% against 100 / 100 / 84-88 / 48-49 / 15% for
// cutting the pad's ink (segmentLattice).
import type { Box, InkMap } from './types.ts';
import type { Strokes } from './strokes.ts';
import { drawStrokes } from './strokes.ts';
import type { DigitCandidate, Lattice } from './lattice.ts';

export interface StrokeLatticeOptions {
  /** Maps stroke points to ink pixels: [x, y, sx, sy] takes (u, v) to (x + u * sx, y + v * sy), as drawStrokes does. */
  box: Box;
  /** The pen's width in ink pixels. */
  penWidth: number;
}

// A digit is rarely written in more strokes than this (a 4, a crossed and footed 7, a 5 with a separate flag).
const MAX_RUN = 4;
// Two consecutive strokes overlapping side to side by more than this share of the narrower one are likely one
// digit's (the stem of a 4 through its arm); reading them as two digits costs SPLIT_COST. Not forbidden: the stem
// of a 4 lies inside the next digit's width too when the two are written overlapping.
const SAME_DIGIT_OVERLAP = 0.6;
const SPLIT_COST = 0.5;

export function strokeLattice(strokes: Strokes, options: StrokeLatticeOptions): Lattice {
  const [ox, oy, sx, sy] = options.box;
  const pad = options.penWidth / 2 + 1;
  // each stroke's ink box, in ink pixels: [left, top, right, bottom]
  const extentOf = (stroke: Strokes[number]) => {
    const xs = stroke.map(([x]) => ox + x * sx);
    const ys = stroke.map(([, y]) => oy + y * sy);
    return [Math.min(...xs) - pad, Math.min(...ys) - pad, Math.max(...xs) + pad, Math.max(...ys) + pad];
  };
  const { order: drawn, extents } = lateStrokesBack(strokes.filter((stroke) => stroke.length > 0), extentOf);
  if (drawn.length === 0) return { atoms: 0, lineHeight: 0, candidates: [] };
  const lineHeight = Math.max(...extents.map((e) => e[3])) - Math.min(...extents.map((e) => e[1]));
  // how much strokes i and i + 1 overlap side to side (negative: the gap between them)
  const overlaps = extents.slice(0, -1).map((a, i) => overlap(a, extents[i + 1]));
  // together[i]: strokes i and i + 1 are likely one digit's; apart[i]: they cannot be
  const together = overlaps.map((o, i) => mostly(o, extents[i], extents[i + 1]));
  const apart = overlaps.map((o) => o < 0);

  const candidates: DigitCandidate[] = [];
  for (let from = 0; from < drawn.length; from++) {
    // starting here parts this stroke from a previous one it mostly overlaps: likely one digit's, so it costs
    const prior = from > 0 && together[from - 1] ? -SPLIT_COST : 0;
    for (let to = from + 1; to <= drawn.length; to++) {
      if (to - from > 1 && apart[to - 2]) break; // strokes with a gap between them side to side are two digits'
      if (to - from > MAX_RUN && !together[to - 2]) break; // longer runs only while strokes mostly overlap
      const run = extents.slice(from, to);
      const left = Math.floor(Math.min(...run.map((e) => e[0])));
      const top = Math.floor(Math.min(...run.map((e) => e[1])));
      const width = Math.ceil(Math.max(...run.map((e) => e[2]))) - left;
      const height = Math.ceil(Math.max(...run.map((e) => e[3]))) - top;
      const ink: InkMap = { width, height, data: new Float32Array(width * height) };
      drawStrokes(ink, drawn.slice(from, to), [ox - left, oy - top, sx, sy], options.penWidth);
      candidates.push({
        from,
        to,
        ink: { box: [left, top, width, height], ink },
        kind: to - from === 1 ? 'whole' : 'joined',
        prior,
        height: height / lineHeight,
        width: width / lineHeight,
      });
    }
  }
  return { atoms: drawn.length, lineHeight, candidates };
}

type Extent = number[]; // [left, top, right, bottom]

/** How much two extents overlap side to side (negative: the gap between them). */
const overlap = (a: Extent, b: Extent) => Math.min(a[2], b[2]) - Math.max(a[0], b[0]);

/** Whether an overlap covers most of the narrower of the two extents. */
const mostly = (o: number, a: Extent, b: Extent) => o > SAME_DIGIT_OVERLAP * Math.min(a[2] - a[0], b[2] - b[0]);

/**
 * Strokes in drawing order, except that a stroke added to an earlier digit after the next one was begun (a 7
 * crossed, or a 5's bar added, at the end) moves back to just after that digit's last stroke: one with a gap
 * side to side from the stroke before it, that mostly overlaps an earlier one.
 */
function lateStrokesBack(strokes: Strokes, extentOf: (stroke: Strokes[number]) => Extent): { order: Strokes; extents: Extent[] } {
  const order: Strokes = [];
  const extents: Extent[] = [];
  for (const stroke of strokes) {
    const e = extentOf(stroke);
    let at = order.length;
    if (order.length >= 2 && overlap(extents[order.length - 1], e) < 0) {
      for (let j = order.length - 2; j >= 0; j--) {
        if (mostly(overlap(extents[j], e), extents[j], e)) {
          at = j + 1;
          break;
        }
      }
    }
    order.splice(at, 0, stroke);
    extents.splice(at, 0, e);
  }
  return { order, extents };
}
