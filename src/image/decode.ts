// Image bytes -> RgbaImage, for the CLI and the server (Node only: sharp is native).
// The format is recognised from the bytes themselves, never from a file name or a Content-Type,
// and only the five formats we promise are accepted (sharp would also render SVG, TIFF, HEIF...).
import sharp from 'sharp';
import type { RgbaImage } from '../vision/types.ts';
import { decodeBmp } from './bmp.ts';
import { ImageDecodeError } from './errors.ts';
import { decodeSmallPng } from './png.ts';

/** Decoded images may have at most this many pixels (25 megapixels: a 6000x4000 phone photo fits). */
export const MAX_INPUT_PIXELS = 25_000_000;

export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'gif' | 'bmp';

export interface DecodeOptions {
  maxPixels?: number; // default MAX_INPUT_PIXELS
}

/** The format named by the file's magic bytes, or null when it is none we read. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | null {
  const startsWith = (...magic: number[]) => magic.every((b, i) => bytes[i] === b);
  if (startsWith(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'png';
  if (startsWith(0xff, 0xd8, 0xff)) return 'jpeg';
  if (startsWith(0x47, 0x49, 0x46, 0x38)) return 'gif'; // GIF8(7|9)a
  if (startsWith(0x42, 0x4d)) return 'bmp';
  if (startsWith(0x52, 0x49, 0x46, 0x46) && bytes[8] === 0x57 && bytes[9] === 0x45 && bytes[10] === 0x42 && bytes[11] === 0x50) {
    return 'webp'; // RIFF....WEBP
  }
  return null;
}

/**
 * Decodes a PNG, JPEG, WebP, GIF (first frame) or BMP into RGBA, upright per its EXIF orientation.
 * Throws ImageDecodeError with a code saying what is wrong; never anything else for bad bytes.
 */
export async function decodeImage(bytes: Uint8Array, options: DecodeOptions = {}): Promise<RgbaImage> {
  const maxPixels = options.maxPixels ?? MAX_INPUT_PIXELS;
  if (bytes.length === 0) throw new ImageDecodeError('empty-image', 'the image is empty (0 bytes)');
  const format = sniffImageFormat(bytes);
  if (format === null) {
    throw new ImageDecodeError('unsupported-format', 'not a PNG, JPEG, WebP, GIF or BMP image');
  }
  if (format === 'bmp') return decodeBmp(bytes, maxPixels);
  if (format === 'png') {
    const small = decodeSmallPng(bytes, maxPixels); // null: sharp's to decode, or to refuse
    if (small) return small;
  }

  try {
    // failOn 'warning' turns libvips' "premature end of data" warnings on truncated files into errors.
    let pipeline = sharp(bytes, { limitInputPixels: maxPixels, failOn: 'warning', pages: 1 });
    // Phone photos (JPEG) carry an EXIF orientation; rotating costs as much again as decoding, so only for them.
    if (format === 'jpeg') pipeline = pipeline.rotate();
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, data: toRgba(data, info.channels) };
  } catch (error) {
    throw describeSharpError(error, format, maxPixels);
  }
}

/**
 * sharp's raw output, (height, width, channels) with 1 (grey), 2 (grey+alpha), 3 (RGB) or 4 (RGBA) channels,
 * as RGBA. Expanding here is cheaper than sharp's ensureAlpha() + colour conversion for small images.
 */
function toRgba(data: Buffer, channels: number): Uint8Array {
  if (channels === 4) return new Uint8Array(data.buffer, data.byteOffset, data.length);
  const pixels = data.length / channels;
  const out = new Uint8Array(pixels * 4);
  for (let i = 0, o = 0, c = 0; i < pixels; i++, o += 4, c += channels) {
    if (channels >= 3) {
      out[o] = data[c];
      out[o + 1] = data[c + 1];
      out[o + 2] = data[c + 2];
    } else {
      out[o] = out[o + 1] = out[o + 2] = data[c];
    }
    out[o + 3] = channels === 2 ? data[c + 1] : 255;
  }
  return out;
}

function describeSharpError(error: unknown, format: ImageFormat, maxPixels: number): ImageDecodeError {
  const message = error instanceof Error ? error.message : String(error);
  if (/pixel limit/i.test(message)) {
    return new ImageDecodeError('image-too-large', `the image has more than the limit of ${maxPixels} pixels`);
  }
  if (/unsupported image format/i.test(message)) {
    return new ImageDecodeError('unsupported-format', `not a ${format.toUpperCase()} image sharp can read`);
  }
  // libvips messages are multi-line and technical; keep the first line as the detail.
  const detail = message.split('\n')[0].trim().replace(/:$/, '');
  return new ImageDecodeError('corrupt-image', `the ${format.toUpperCase()} image is truncated or corrupt (${detail})`);
}
