// Image bytes -> Reading: decode, shrink a big photo, recognise, and give boxes back in the source's pixels.
// The one path for `digits predict`, the server's main thread and its image workers.
import { decodeImage, shrinkToFit, WORKING_PIXELS } from '../image/index.ts';
import { recognize } from '../recognize/index.ts';
import type { DigitClassifier, Reading } from '../recognize/types.ts';
import type { Box, RgbaImage } from '../vision/types.ts';

export interface ReadImageOptions {
  maxPixels?: number; // refuse images larger than this (default 25 MP)
  workingPixels?: number; // shrink images larger than this before recognition (default 4 MP)
}

export async function readImageBytes(bytes: Uint8Array, classifier: DigitClassifier, options: ReadImageOptions = {}): Promise<Reading> {
  return readDecodedImage(await decodeImage(bytes, { maxPixels: options.maxPixels }), classifier, options);
}

/** `readImageBytes` past the decoding, for an image decoded elsewhere (within the same limits). */
export async function readDecodedImage(decoded: RgbaImage, classifier: DigitClassifier, options: ReadImageOptions = {}): Promise<Reading> {
  const { image, scale } = await shrinkToFit(decoded, options.workingPixels ?? WORKING_PIXELS);
  const reading = await recognize(image, classifier);
  if (scale === 1) return reading;
  return {
    ...reading,
    items: reading.items.map((item) => ({ ...item, box: item.box.map((v) => Math.round(v * scale)) as Box })),
  };
}
