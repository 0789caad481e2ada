// Test pictures made in the test: numbers written with the stroke templates, put on paper of some colour,
// lit, soiled and ruled as asked. Not a test file itself (no .test.ts), shared by the vision and recognize tests.
import {
  digitStrokes,
  drawStrokes,
  jitterStrokes,
  seededRandom,
  type InkMap,
  type RgbaImage,
  type Box,
} from '../../src/vision/index.ts';

export interface WrittenNumber {
  ink: InkMap;
  boxes: Box[]; // each digit's box, left to right
}

/** Writes `digits` on a width x height page: each digit a `digitHeight` tall box, `gap` px apart (negative: overlapping boxes). */
export function writeNumber(
  digits: string,
  options: { width: number; height: number; digitHeight?: number; gap?: number; thickness?: number; seed?: number; jitter?: number; x?: number },
): WrittenNumber {
  const { width, height } = options;
  const digitHeight = options.digitHeight ?? Math.round(height * 0.6);
  const digitWidth = Math.round(digitHeight * 0.9); // the templates fill ~60% of their box: digits ~0.55 as wide as tall
  const gap = options.gap ?? Math.round(digitHeight * 0.25);
  const rng = seededRandom(options.seed ?? 1);
  const ink: InkMap = { width, height, data: new Float32Array(width * height) };
  const boxes: Box[] = [];
  let x = options.x ?? Math.round(digitHeight * 0.3);
  const y = Math.round((height - digitHeight) / 2);
  for (const ch of digits) {
    const strokes = jitterStrokes(digitStrokes(Number(ch)), rng, options.jitter ?? 0.5);
    const box: Box = [x, y, digitWidth, digitHeight];
    drawStrokes(ink, strokes, box, options.thickness ?? Math.max(2, digitHeight / 14));
    boxes.push(box);
    x += digitWidth + gap;
  }
  return { ink, boxes };
}

export interface PaperOptions {
  paper?: [number, number, number]; // RGB, default white
  pen?: [number, number, number]; // RGB, default black
  light?: (x: number, y: number) => number; // multiplies the colour, 0-1, e.g. a gradient
  noise?: number; // fraction of pixels flipped to random grey (salt and pepper)
  seed?: number;
  transparent?: boolean; // paper is fully transparent (a canvas with no background)
}

/** The ink as a picture: pen colour over paper colour in proportion to the ink. */
export function onPaper(ink: InkMap, options: PaperOptions = {}): RgbaImage {
  const paper = options.paper ?? [255, 255, 255];
  const pen = options.pen ?? [0, 0, 0];
  const rng = seededRandom(options.seed ?? 7);
  const { width, height } = ink;
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const v = ink.data[i];
      const light = options.light ? options.light(x, y) : 1;
      for (let c = 0; c < 3; c++) data[i * 4 + c] = options.transparent ? pen[c] : (pen[c] * v + paper[c] * (1 - v)) * light;
      data[i * 4 + 3] = options.transparent ? Math.round(255 * v) : 255;
      if (options.noise && rng() < options.noise) {
        const g = rng() < 0.5 ? 0 : 255;
        data[i * 4] = data[i * 4 + 1] = data[i * 4 + 2] = g;
        data[i * 4 + 3] = 255;
      }
    }
  }
  return { width, height, data };
}

/** Adds ruled lines: `thickness` px of `strength` ink every `spacing` rows (and columns when `vertical`). */
export function ruled(ink: InkMap, spacing: number, thickness = 1, vertical = false, strength = 1): InkMap {
  const data = ink.data.slice();
  for (let y = 0; y < ink.height; y++) {
    for (let x = 0; x < ink.width; x++) {
      const onLine = y % spacing < thickness || (vertical && x % spacing < thickness);
      if (onLine) data[y * ink.width + x] = Math.max(data[y * ink.width + x], strength);
    }
  }
  return { width: ink.width, height: ink.height, data };
}

/** Fraction of `expected` ink found (recall) and of found ink that was expected (precision), on ink > 0.5. */
export function inkAgreement(found: InkMap, expected: InkMap): { recall: number; precision: number } {
  let both = 0;
  let wanted = 0;
  let got = 0;
  for (let i = 0; i < found.data.length; i++) {
    const f = found.data[i] > 0.5;
    const e = expected.data[i] > 0.5;
    if (f && e) both++;
    if (e) wanted++;
    if (f) got++;
  }
  return { recall: wanted ? both / wanted : 1, precision: got ? both / got : 1 };
}

// A 5 whose bar was written apart, up and to the right of its stem, and a 1 just after it whose top is nearer
// the bar than the 5's body is: boxes in pixels of a 200x120 ink.
export function fiveWithBarApart(oneAt: number): InkMap {
  const ink: InkMap = { width: 200, height: 120, data: new Float32Array(200 * 120) };
  const [stemAndBody] = digitStrokes(5, 'plain');
  drawStrokes(ink, [[[0.3, 0.22], [0.27, 0.45], ...stemAndBody.slice(2)]], [20, 20, 60, 80], 6);
  drawStrokes(ink, [[[0.62, 0.04], [1.1, 0.04]]], [20, 20, 60, 80], 6);
  drawStrokes(ink, digitStrokes(1, 'plain'), [oneAt, 20, 30, 80], 6);
  return ink;
}
