// Handwritten digits as pen strokes: templates of how people write 0-9, a seeded jitter that makes each
// copy look like another hand, and a renderer that draws them as anti-aliased thick lines.
// Tests use them to draw on the web pad with the mouse, to make multi-digit pages, and to check robustness.
import type { InkMap, Box } from './types.ts';

/** A point in the unit box: x right, y down, both 0..1. */
export type Point = [x: number, y: number];
/** One pen-down..pen-up polyline. */
export type Stroke = Point[];
/** A digit as the pen wrote it: strokes in drawing order. */
export type Strokes = Stroke[];

export interface DigitTemplate {
  digit: number;
  variant: string; // e.g. 'plain', 'flagged', 'crossed'
  strokes: Strokes;
}

const degrees = Math.PI / 180;

/** Points along an ellipse arc; angles in degrees, 0 = right, 90 = down (y grows downwards). */
function arc(cx: number, cy: number, rx: number, ry: number, fromDeg: number, toDeg: number, steps = 20): Stroke {
  const points: Stroke = [];
  for (let i = 0; i <= steps; i++) {
    const a = (fromDeg + ((toDeg - fromDeg) * i) / steps) * degrees;
    points.push([cx + rx * Math.cos(a), cy + ry * Math.sin(a)]);
  }
  return points;
}

function join(...parts: Stroke[]): Stroke {
  return parts.flat();
}

// Each digit: several styles people actually use. Shapes sit in the unit box, filling its height.
const TEMPLATES: Record<number, Record<string, Strokes>> = {
  0: {
    plain: [arc(0.5, 0.5, 0.3, 0.46, -90, -455)],
    narrow: [arc(0.5, 0.5, 0.2, 0.46, -80, -450)],
  },
  1: {
    plain: [[[0.52, 0.03], [0.48, 0.97]]],
    flagged: [[[0.3, 0.22], [0.54, 0.03], [0.52, 0.97]]],
    footed: [
      [[0.3, 0.22], [0.54, 0.03], [0.52, 0.96]],
      [[0.3, 0.96], [0.74, 0.96]],
    ],
  },
  2: {
    plain: [join(arc(0.5, 0.3, 0.28, 0.26, 200, 370), [[0.6, 0.62], [0.2, 0.96], [0.82, 0.95]])],
    looped: [
      join(arc(0.5, 0.3, 0.28, 0.26, 200, 370), [
        [0.6, 0.6],
        [0.3, 0.86],
        [0.21, 0.92],
        [0.24, 0.97],
        [0.33, 0.94],
        [0.42, 0.9],
        [0.6, 0.93],
        [0.82, 0.94],
      ]),
    ],
  },
  3: {
    plain: [join(arc(0.48, 0.27, 0.27, 0.23, 210, 450), arc(0.48, 0.73, 0.3, 0.24, -90, 150))],
    flat: [join([[0.22, 0.05], [0.76, 0.05], [0.44, 0.42]], arc(0.48, 0.69, 0.3, 0.27, -110, 150))],
  },
  4: {
    open: [
      [[0.24, 0.03], [0.18, 0.6], [0.84, 0.6]],
      [[0.68, 0.05], [0.68, 0.98]],
    ],
    closed: [
      [[0.62, 0.03], [0.15, 0.66], [0.86, 0.66]],
      [[0.63, 0.03], [0.63, 0.98]],
    ],
  },
  5: {
    plain: [join([[0.3, 0.05], [0.27, 0.45]], arc(0.48, 0.68, 0.3, 0.27, -130, 150)), [[0.3, 0.05], [0.78, 0.05]]],
    oneStroke: [join([[0.78, 0.05], [0.3, 0.05], [0.27, 0.45]], arc(0.48, 0.68, 0.3, 0.27, -130, 150))],
  },
  6: {
    plain: [join(arc(0.74, 0.64, 0.5, 0.6, -102, -180), arc(0.5, 0.7, 0.26, 0.26, 180, -175))],
    straight: [join([[0.68, 0.03], [0.3, 0.5]], arc(0.5, 0.72, 0.26, 0.25, 210, -150))],
  },
  7: {
    plain: [[[0.18, 0.05], [0.82, 0.05], [0.42, 0.97]]],
    crossed: [
      [[0.18, 0.05], [0.82, 0.05], [0.42, 0.97]],
      [[0.42, 0.52], [0.82, 0.52]],
    ],
  },
  8: {
    plain: [join(arc(0.5, 0.27, 0.22, 0.22, -20, -270), arc(0.5, 0.72, 0.27, 0.24, -90, 262), [[0.7, 0.15]])],
    twoLoops: [arc(0.5, 0.27, 0.2, 0.22, 0, 360), arc(0.5, 0.72, 0.26, 0.25, -90, 270)],
  },
  9: {
    curved: [join(arc(0.5, 0.3, 0.27, 0.25, -10, -370), [[0.77, 0.55], [0.72, 0.82], [0.56, 0.97], [0.36, 0.95]])],
    straight: [join(arc(0.5, 0.3, 0.27, 0.25, -10, -370), [[0.75, 0.98]])],
  },
};

/** The style names available for `digit`, the first being the most common. */
export function digitVariants(digit: number): string[] {
  const styles = TEMPLATES[digit];
  if (!styles) throw new RangeError(`digit must be an integer 0-9, got ${digit}`);
  return Object.keys(styles);
}

/** The strokes of `digit` in style `variant` (default: the first style), as a fresh copy. */
export function digitStrokes(digit: number, variant?: string): Strokes {
  const styles = TEMPLATES[digit];
  if (!styles) throw new RangeError(`digit must be an integer 0-9, got ${digit}`);
  const name = variant ?? Object.keys(styles)[0];
  const strokes = styles[name];
  if (!strokes) throw new RangeError(`digit ${digit} has no style '${name}' (has ${Object.keys(styles).join(', ')})`);
  return strokes.map((stroke) => stroke.map(([x, y]) => [x, y] as Point));
}

/** Every template: each digit 0-9 in each of its styles. */
export function allDigitStrokes(): DigitTemplate[] {
  const all: DigitTemplate[] = [];
  for (let digit = 0; digit <= 9; digit++) {
    for (const variant of digitVariants(digit)) all.push({ digit, variant, strokes: digitStrokes(digit, variant) });
  }
  return all;
}

/** A seeded uniform generator in [0, 1) (mulberry32): the same seed gives the same sequence everywhere. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Another hand's version of `strokes`: random slant, rotation, width and height, and a smooth wobble that
 * bends lines the way a hand does (the same displacement field for every stroke, so crossings stay crossings).
 * `amount` 0 gives the strokes back unchanged, 1 a natural variety, 2 a sloppy writer.
 */
export function jitterStrokes(strokes: Strokes, rng: () => number, amount = 1): Strokes {
  const between = (lo: number, hi: number) => lo + (hi - lo) * rng();
  const slant = between(-0.25, 0.25) * amount; // shear: x moves by slant per unit of height above the centre
  const rotation = between(-6, 6) * amount * degrees;
  const scaleX = 1 + between(-0.25, 0.12) * amount;
  const scaleY = 1 + between(-0.12, 0.04) * amount;
  const waves = [0, 1].map(() => ({
    size: between(0.01, 0.03) * amount,
    fx: between(2, 6),
    fy: between(2, 6),
    phase: between(0, 2 * Math.PI),
  }));
  const cos = Math.cos(rotation);
  const sin = Math.sin(rotation);
  return strokes.map((stroke) =>
    stroke.map(([x, y]) => {
      let dx = (x - 0.5) * scaleX;
      const dy = (y - 0.5) * scaleY;
      dx -= slant * dy;
      let px = 0.5 + dx * cos - dy * sin;
      let py = 0.5 + dx * sin + dy * cos;
      const [wx, wy] = waves;
      px += wx.size * Math.sin(wx.fx * x + wx.fy * y + wx.phase);
      py += wy.size * Math.sin(wy.fx * x + wy.fy * y + wy.phase);
      return [px, py] as Point;
    }),
  );
}

/** Where strokes land in pixels: `box` maps the unit box onto [x, y, w, h] of an image width x height. */
export interface RenderOptions {
  width: number;
  height: number;
  box?: Box; // default: the whole image
  thickness?: number; // pen diameter in pixels, default 3% of the box's larger side, at least 1
}

/** The strokes mapped into pixel coordinates of `box` (pixel centres at +0.5), e.g. to replay as mouse moves. */
export function strokesToPixels(strokes: Strokes, box: Box): Strokes {
  const [bx, by, bw, bh] = box;
  return strokes.map((stroke) => stroke.map(([x, y]) => [bx + x * bw, by + y * bh] as Point));
}

/**
 * Draws strokes as a round-capped pen of diameter `thickness`, anti-aliased (a pixel's ink is how much of it
 * the pen covers, approximated from the distance of its centre to the stroke), into a new InkMap.
 */
export function renderStrokes(strokes: Strokes, options: RenderOptions): InkMap {
  const { width, height } = options;
  const ink: InkMap = { width, height, data: new Float32Array(width * height) };
  drawStrokes(ink, strokes, options.box ?? [0, 0, width, height], options.thickness);
  return ink;
}

/** Draws strokes into an existing InkMap (keeping the maximum where ink overlaps), e.g. several digits on one page. */
export function drawStrokes(ink: InkMap, strokes: Strokes, box: Box, thickness?: number): void {
  const pen = Math.max(1, thickness ?? 0.03 * Math.max(box[2], box[3]));
  const radius = pen / 2;
  for (const stroke of strokesToPixels(strokes, box)) {
    if (stroke.length === 1) drawSegment(ink, stroke[0], stroke[0], radius);
    for (let i = 1; i < stroke.length; i++) drawSegment(ink, stroke[i - 1], stroke[i], radius);
  }
}

function drawSegment(ink: InkMap, [ax, ay]: Point, [bx, by]: Point, radius: number): void {
  const { width, height, data } = ink;
  const reach = radius + 1;
  const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - reach));
  const x1 = Math.min(width - 1, Math.ceil(Math.max(ax, bx) + reach));
  const y0 = Math.max(0, Math.floor(Math.min(ay, by) - reach));
  const y1 = Math.min(height - 1, Math.ceil(Math.max(ay, by) + reach));
  const ex = bx - ax;
  const ey = by - ay;
  const lengthSquared = ex * ex + ey * ey;
  for (let y = y0; y <= y1; y++) {
    const py = y + 0.5 - ay;
    for (let x = x0; x <= x1; x++) {
      const px = x + 0.5 - ax;
      // distance from the pixel centre to the segment
      const t = lengthSquared > 0 ? Math.min(1, Math.max(0, (px * ex + py * ey) / lengthSquared)) : 0;
      const dx = px - t * ex;
      const dy = py - t * ey;
      const coverage = radius + 0.5 - Math.sqrt(dx * dx + dy * dy);
      if (coverage <= 0) continue;
      const value = coverage >= 1 ? 1 : coverage;
      const i = y * width + x;
      if (value > data[i]) data[i] = value;
    }
  }
}
