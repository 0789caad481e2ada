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
export type { MnistOptions, MnistDigit } from './preprocess.ts';
export { toMnistImage, preprocessDigit, inkBounds, centerOfMass, MNIST_SIZE, MNIST_BOX } from './preprocess.ts';
export { resampleInk, shrinkImage } from './resample.ts';
export type { FindInkOptions } from './ink.ts';
export { findInk } from './ink.ts';
export type { SegmentOptions, DigitInk, Segment } from './segment.ts';
export { segmentDigits, segmentLine } from './segment.ts';
export type { LatticeOptions, DigitCandidate, Lattice } from './lattice.ts';
export { segmentLattice } from './lattice.ts';
export type { StrokeLatticeOptions } from './stroke-lattice.ts';
export { strokeLattice } from './stroke-lattice.ts';
export type { ComposeOptions, ComposedNumber } from './compose.ts';
export { composeNumber, scanOf } from './compose.ts';
