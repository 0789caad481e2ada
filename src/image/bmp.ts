// A small BMP decoder: sharp (libvips) reads no BMP, and no well-kept npm package does it better.
// Covers what scanners and paint programs write: 1/4/8-bit paletted, 16-bit (555 or bit fields),
// 24-bit BGR and 32-bit BGRX/BGRA (plain or bit fields), bottom-up or top-down. RLE is refused.
import type { RgbaImage } from '../vision/types.ts';
import { ImageDecodeError } from './errors.ts';

const BI_RGB = 0;
const BI_BITFIELDS = 3;
const BI_ALPHABITFIELDS = 6;

/** Decodes a BMP file into RGBA; `maxPixels` is checked against the header before anything is allocated. */
export function decodeBmp(bytes: Uint8Array, maxPixels: number): RgbaImage {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 26 || bytes[0] !== 0x42 || bytes[1] !== 0x4d) {
    throw new ImageDecodeError('corrupt-image', 'BMP file is truncated: its header is incomplete');
  }
  const pixelOffset = view.getUint32(10, true);
  const headerSize = view.getUint32(14, true);
  if (14 + headerSize > bytes.length) {
    throw new ImageDecodeError('corrupt-image', 'BMP file is truncated: its header is incomplete');
  }

  let width: number;
  let signedHeight: number;
  let bitsPerPixel: number;
  let compression = BI_RGB;
  let colorsUsed = 0;
  let paletteEntrySize = 4;
  if (headerSize === 12) {
    // BITMAPCOREHEADER (OS/2): 16-bit sizes, 3-byte palette entries.
    width = view.getUint16(18, true);
    signedHeight = view.getInt16(20, true);
    bitsPerPixel = view.getUint16(24, true);
    paletteEntrySize = 3;
  } else if (headerSize >= 40) {
    width = view.getInt32(18, true);
    signedHeight = view.getInt32(22, true);
    bitsPerPixel = view.getUint16(28, true);
    compression = view.getUint32(30, true);
    colorsUsed = view.getUint32(46, true);
  } else {
    throw new ImageDecodeError('corrupt-image', `BMP header has an unknown size (${headerSize} bytes)`);
  }

  const height = Math.abs(signedHeight);
  const topDown = signedHeight < 0;
  if (width <= 0 || height <= 0) {
    throw new ImageDecodeError('corrupt-image', `BMP header claims an empty image (${width}x${height})`);
  }
  if (width * height > maxPixels) {
    throw new ImageDecodeError(
      'image-too-large',
      `image is ${width}x${height} pixels, more than the limit of ${maxPixels} pixels`,
    );
  }
  if (![1, 4, 8, 16, 24, 32].includes(bitsPerPixel)) {
    throw new ImageDecodeError('unsupported-format', `BMP with ${bitsPerPixel} bits per pixel is not supported`);
  }
  if (compression !== BI_RGB && compression !== BI_BITFIELDS && compression !== BI_ALPHABITFIELDS) {
    throw new ImageDecodeError('unsupported-format', `compressed BMP (compression ${compression}) is not supported`);
  }

  // Channel masks for 16/32-bit: from the header (V4/V5), after it (INFO + BITFIELDS), or the defaults.
  let masks: [r: number, g: number, b: number, a: number] | null = null;
  if (bitsPerPixel === 16 || bitsPerPixel === 32) {
    if (compression === BI_RGB) {
      masks = bitsPerPixel === 16 ? [0x7c00, 0x03e0, 0x001f, 0] : [0x00ff0000, 0x0000ff00, 0x000000ff, 0];
    } else {
      const maskCount = compression === BI_ALPHABITFIELDS || headerSize >= 56 ? 4 : 3;
      if (14 + 40 + maskCount * 4 > bytes.length) {
        throw new ImageDecodeError('corrupt-image', 'BMP file is truncated: its colour masks are missing');
      }
      masks = [
        view.getUint32(54, true),
        view.getUint32(58, true),
        view.getUint32(62, true),
        maskCount === 4 ? view.getUint32(66, true) : 0,
      ];
    }
  }

  // Palette for 1/4/8-bit: right after the header (and any masks), BGR(X) entries.
  let palette: Uint8Array | null = null;
  if (bitsPerPixel <= 8) {
    const entries = colorsUsed > 0 ? Math.min(colorsUsed, 1 << bitsPerPixel) : 1 << bitsPerPixel;
    const paletteStart = 14 + headerSize;
    if (paletteStart + entries * paletteEntrySize > bytes.length) {
      throw new ImageDecodeError('corrupt-image', 'BMP file is truncated: its palette is incomplete');
    }
    palette = new Uint8Array(256 * 3); // unused entries stay black
    for (let i = 0; i < entries; i++) {
      const at = paletteStart + i * paletteEntrySize;
      palette[i * 3] = bytes[at + 2];
      palette[i * 3 + 1] = bytes[at + 1];
      palette[i * 3 + 2] = bytes[at];
    }
  }

  const rowBytes = Math.floor((bitsPerPixel * width + 31) / 32) * 4; // rows are padded to 4 bytes
  if (pixelOffset + rowBytes * (height - 1) + Math.ceil((bitsPerPixel * width) / 8) > bytes.length) {
    throw new ImageDecodeError('corrupt-image', 'BMP file is truncated: its pixel data is incomplete');
  }

  const out = new Uint8Array(width * height * 4); // (height, width, 4)
  const channels = masks ? masks.map(maskToChannel) : null;
  let sawAlpha = false;
  for (let y = 0; y < height; y++) {
    const row = pixelOffset + (topDown ? y : height - 1 - y) * rowBytes;
    let o = y * width * 4;
    for (let x = 0; x < width; x++, o += 4) {
      if (palette) {
        const index = readPaletteIndex(bytes, row, x, bitsPerPixel);
        out[o] = palette[index * 3];
        out[o + 1] = palette[index * 3 + 1];
        out[o + 2] = palette[index * 3 + 2];
        out[o + 3] = 255;
      } else if (bitsPerPixel === 24) {
        const at = row + x * 3;
        out[o] = bytes[at + 2];
        out[o + 1] = bytes[at + 1];
        out[o + 2] = bytes[at];
        out[o + 3] = 255;
      } else {
        const value = bitsPerPixel === 16 ? view.getUint16(row + x * 2, true) : view.getUint32(row + x * 4, true);
        const [r, g, b, a] = channels!;
        out[o] = r(value);
        out[o + 1] = g(value);
        out[o + 2] = b(value);
        const alpha = masks![3] ? a(value) : 255;
        out[o + 3] = alpha;
        if (alpha !== 0) sawAlpha = true;
      }
    }
  }
  // Many writers leave a declared alpha channel all zero; that means opaque, not invisible.
  if (masks && masks[3] && !sawAlpha) {
    for (let i = 3; i < out.length; i += 4) out[i] = 255;
  }
  return { width, height, data: out };
}

function readPaletteIndex(bytes: Uint8Array, row: number, x: number, bitsPerPixel: number): number {
  if (bitsPerPixel === 8) return bytes[row + x];
  const perByte = 8 / bitsPerPixel;
  const byte = bytes[row + Math.floor(x / perByte)];
  const shift = 8 - bitsPerPixel * ((x % perByte) + 1);
  return (byte >> shift) & ((1 << bitsPerPixel) - 1);
}

/** A function extracting one channel under `mask` from a pixel value, scaled to 0-255. */
function maskToChannel(mask: number): (value: number) => number {
  if (mask === 0) return () => 0;
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  const max = mask >>> shift;
  return (value) => Math.round((((value & mask) >>> shift) * 255) / max);
}
