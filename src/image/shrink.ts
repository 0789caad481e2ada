// Big photos are shrunk before recognition: finding ink is a few passes over every pixel, so a 21 MP photo
// takes seconds where a 4 MP copy of it takes under one, and handwriting stays far larger than MNIST's 28 px.
import sharp from 'sharp';
import type { RgbaImage } from '../vision/types.ts';

/** Images with more pixels than this are shrunk for recognition (about 2450x1630). */
export const WORKING_PIXELS = 4_000_000;

export interface ShrunkImage {
  image: RgbaImage;
  scale: number; // source pixels per working pixel (1 when not shrunk)
}

/** `image` itself when it has at most `maxPixels`; otherwise an area-averaged copy that fits, keeping the aspect ratio. */
export async function shrinkToFit(image: RgbaImage, maxPixels = WORKING_PIXELS): Promise<ShrunkImage> {
  const pixels = image.width * image.height;
  if (pixels <= maxPixels) return { image, scale: 1 };
  const factor = Math.sqrt(maxPixels / pixels);
  const width = Math.max(1, Math.floor(image.width * factor));
  const height = Math.max(1, Math.floor(image.height * factor));
  const data = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 4 }, limitInputPixels: false })
    .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer();
  return { image: { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) }, scale: image.width / width };
}
