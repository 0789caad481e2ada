// The vision part: pure functions on pixel arrays, the same in the browser and in Node.
export type { RgbaImage, InkMap, Box } from './types.ts';
export type { Point, Stroke, Strokes, DigitTemplate, RenderOptions } from './strokes.ts';
export {
  digitStrokes,
  digitVariants,
  allDigitStrokes,
  seededRandom,
  jitterStrokes,
  renderStrokes,
  drawStrokes,
  strokesToPixels,
} from './strokes.ts';
