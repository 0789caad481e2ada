// An uploaded (or photographed) image file: checked and decoded by the browser (createImageBitmap) to show on
// the pad; then, where the reading runs (the worker), decoded again at reading size and read back through a
// canvas as an RgbaImage, recognised exactly like a drawing (findInk -> segment -> ...). Scaling a 12 MP photo
// down on the page's own thread took ~100 ms, a visible stall; the second decode costs the worker instead.
import type { RgbaImage } from '../../src/vision/index.ts';

export const MAX_FILE_BYTES = 10 * 1024 * 1024;
export const MAX_IMAGE_PIXELS = 25_000_000;
// Photos are read at most this many pixels on the long side: plenty for handwriting, and it keeps the page responsive.
export const MAX_READ_SIDE = 1600;

/** A problem with the file itself, worded for the person who chose it. */
export class UploadError extends Error {}

export interface DecodedUpload {
  bitmap: ImageBitmap; // the picture as decoded, to show on the pad
  readWidth: number; // the size it is read at (long side at most MAX_READ_SIDE)
  readHeight: number;
  scale: number; // read pixels per bitmap pixel (<= 1)
}

export async function decodeUpload(file: File): Promise<DecodedUpload> {
  if (file.size === 0) throw new UploadError(`"${file.name}" is empty (0 bytes).`);
  if (file.size > MAX_FILE_BYTES) {
    throw new UploadError(`"${file.name}" is too large (${(file.size / 1048576).toFixed(1)} MB); the limit is 10 MB.`);
  }
  if (file.type && !file.type.startsWith('image/')) {
    throw new UploadError(`"${file.name}" is not an image (${file.type}). Choose a PNG, JPEG, WebP, GIF or BMP file.`);
  }
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new UploadError(`"${file.name}" could not be read as an image: it is damaged or not an image format this browser knows.`);
  }
  const pixelCount = bitmap.width * bitmap.height;
  if (pixelCount > MAX_IMAGE_PIXELS) {
    const megapixels = (pixelCount / 1e6).toFixed(1);
    bitmap.close();
    throw new UploadError(`"${file.name}" is too large (${megapixels} megapixels); the limit is 25 megapixels.`);
  }
  if (pixelCount === 0) {
    bitmap.close();
    throw new UploadError(`"${file.name}" has no pixels.`);
  }
  const scale = Math.min(1, MAX_READ_SIDE / Math.max(bitmap.width, bitmap.height));
  const readWidth = Math.max(1, Math.round(bitmap.width * scale));
  const readHeight = Math.max(1, Math.round(bitmap.height * scale));
  return { bitmap, readWidth, readHeight, scale: readWidth / bitmap.width };
}

/** The image in `file` as `width` x `height` RGBA pixels (decoded and scaled by the browser). Works in a worker. */
export async function imageFilePixels(file: Blob, width: number, height: number): Promise<RgbaImage> {
  const bitmap = await createImageBitmap(file, { resizeWidth: width, resizeHeight: height, resizeQuality: 'high' });
  try {
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (!context) throw new UploadError('this browser cannot read image pixels (no 2D canvas)');
    context.drawImage(bitmap, 0, 0);
    const { data } = context.getImageData(0, 0, width, height);
    return { width, height, data };
  } finally {
    bitmap.close();
  }
}
