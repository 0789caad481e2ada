// One reading, wherever it runs (the worker, or the main thread as a fallback): ink or pixels in, the
// Reading, the 28x28 images the model saw, and what the page should say about it out.
import { findInk } from '../../src/vision/index.ts';
import type { InkMap, RgbaImage } from '../../src/vision/index.ts';
import { recognizeDetailed, recognizeStrokes } from '../../src/recognize/index.ts';
import type { DigitClassifier, Reading } from '../../src/recognize/index.ts';
import { describeReading } from './describe.ts';
import type { DescribeOptions, Description } from './describe.ts';
import { imageFilePixels } from './upload.ts';
import type { PadStrokes } from './pad.ts';

export type ReadRequest =
  | { kind: 'ink'; ink: InkMap; strokes?: PadStrokes; options: DescribeOptions } // the pad: already ink, and its strokes
  | { kind: 'image'; image: RgbaImage; options: DescribeOptions } // pixels: ink to be found
  | { kind: 'file'; file: Blob; width: number; height: number; options: DescribeOptions }; // an upload, read at width x height

export interface ReadResult {
  reading: Reading;
  images: Float32Array[]; // (28, 28) per item, 0..1 white on black
  description: Description;
  recognizeMs: number; // decoding and ink finding (files, images), segmentation, preprocessing and the model
}

export async function readDigits(classifier: DigitClassifier, request: ReadRequest): Promise<ReadResult> {
  const began = performance.now();
  const ink =
    request.kind === 'ink'
      ? request.ink
      : findInk(request.kind === 'image' ? request.image : await imageFilePixels(request.file, request.width, request.height));
  // The pad's strokes say which ink belongs together: digits written touching need no cut through it.
  const strokes = request.kind === 'ink' ? request.strokes : undefined;
  const { reading, images } = strokes && strokes.strokes.length > 0 ? await recognizeStrokes(strokes.strokes, classifier, strokes) : await recognizeDetailed(ink, classifier);
  const description = describeReading(reading, ink, request.options);
  return { reading, images, description, recognizeMs: performance.now() - began };
}
