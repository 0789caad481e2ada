// Pixel containers shared by every part. Plain objects over typed arrays, so they cross
// worker boundaries and work the same in the browser (ImageData) and in Node (sharp raw output).

/** An RGBA image, 4 bytes a pixel, row-major: what a canvas's ImageData or sharp's `.ensureAlpha().raw()` gives. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray; // (height, width, 4)
}

/**
 * Ink intensity per pixel: 0 = background, 1 = full ink, whatever the colours of the source.
 * This is MNIST's convention (white ink on black), so a 28x28 InkMap is a model input.
 */
export interface InkMap {
  width: number;
  height: number;
  data: Float32Array; // (height, width)
}

/** An axis-aligned box in pixels: [x, y, width, height], x and y of the top-left corner. */
export type Box = [x: number, y: number, width: number, height: number];
