// Small plain PNGs decoded here, with Node's zlib: sharp costs ~0.4 ms a call whatever the size (a libvips
// pipeline and a thread-pool hop), this ~0.05 ms for a 64x64 digit, which is most of what the API is sent.
// Only PNGs read exactly as sharp reads them come here (8 bits a channel or fewer, not interlaced, no colour
// management, every checksum right); for anything else, broken files included, this says null and sharp decodes
// it and words the error, so what is accepted and refused, and how, does not change. (fast-png and pngjs were
// tried: fast-png accepts truncated pixel data and wrong checksums that sharp refuses.)
import { crc32, inflateSync } from 'node:zlib';
import type { RgbaImage } from '../vision/types.ts';

/** PNGs with more pixels than this go to sharp: by 512x512 its native decode has caught up with this one. */
export const SMALL_PNG_PIXELS = 300_000;

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

// Chunks that do not change the pixels sharp gives (libvips ignores them); any other chunk sends the file to sharp.
const IGNORED_CHUNKS = new Set(['gAMA', 'sRGB', 'pHYs', 'tEXt', 'zTXt', 'iTXt', 'tIME', 'bKGD', 'sBIT']);

const GREY = 0;
const RGB = 2;
const PALETTE = 3;
const GREY_ALPHA = 4;
const RGBA = 6;
const CHANNELS: Record<number, number> = { [GREY]: 1, [RGB]: 3, [PALETTE]: 1, [GREY_ALPHA]: 2, [RGBA]: 4 };

/** The RGBA pixels of a small plain PNG, or null when sharp should decode it (big, unusual or broken). */
export function decodeSmallPng(bytes: Uint8Array, maxPixels: number): RgbaImage | null {
  if (bytes.length < 8 + 25 + 12 || SIGNATURE.some((b, i) => bytes[i] !== b)) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  // a big image goes to sharp before anything is checked or allocated here (IHDR's width and height)
  if (view.getUint32(16) * view.getUint32(20) > Math.min(maxPixels, SMALL_PNG_PIXELS)) return null;

  // Chunks: IHDR first, the palette and transparency, the IDAT run (the zlib stream, split anywhere), IEND.
  let header: { width: number; height: number; depth: number; colour: number } | null = null;
  let palette: Uint8Array | null = null; // (entries, 4) RGBA
  const idat: Uint8Array[] = [];
  let idatDone = false;
  let ended = false;
  for (let at = 8; !ended; ) {
    if (at + 12 > bytes.length) return null;
    const length = view.getUint32(at);
    const end = at + 12 + length;
    if (end > bytes.length) return null;
    const type = String.fromCharCode(bytes[at + 4], bytes[at + 5], bytes[at + 6], bytes[at + 7]);
    if (crc32(bytes.subarray(at + 4, at + 8 + length)) >>> 0 !== view.getUint32(at + 8 + length)) return null;
    const data = bytes.subarray(at + 8, at + 8 + length);
    if (header === null && type !== 'IHDR') return null;
    if (idat.length > 0 && type !== 'IDAT') idatDone = true;
    switch (type) {
      case 'IHDR':
        if (header !== null || length !== 13) return null;
        header = { width: view.getUint32(at + 8), height: view.getUint32(at + 12), depth: data[8], colour: data[9] };
        // compression and filter method 0, no interlacing
        if (data[10] !== 0 || data[11] !== 0 || data[12] !== 0) return null;
        break;
      case 'PLTE':
        if (palette !== null || length % 3 !== 0 || length === 0 || length > 256 * 3) return null;
        palette = new Uint8Array((length / 3) * 4).fill(255);
        for (let i = 0; i < length / 3; i++) palette.set(data.subarray(i * 3, i * 3 + 3), i * 4);
        break;
      case 'tRNS': // alpha of the first palette entries; a colour key on grey or RGB is left to sharp
        if (header!.colour !== PALETTE || palette === null || length > palette.length / 4) return null;
        for (let i = 0; i < length; i++) palette[i * 4 + 3] = data[i];
        break;
      case 'IDAT':
        if (idatDone) return null;
        idat.push(data);
        break;
      case 'IEND':
        ended = true;
        break;
      default:
        if (!IGNORED_CHUNKS.has(type)) return null;
    }
    at = end;
  }
  if (header === null || idat.length === 0) return null;

  const { width, height, depth, colour } = header;
  const channels = CHANNELS[colour];
  if (channels === undefined || width === 0 || height === 0) return null;
  if (width * height > Math.min(maxPixels, SMALL_PNG_PIXELS)) return null; // sharp refuses or decodes it (a second IHDR would be refused above)
  const lowDepthOk = (colour === GREY || colour === PALETTE) && (depth === 1 || depth === 2 || depth === 4);
  if (depth !== 8 && !lowDepthOk) return null;
  if ((colour === PALETTE) !== (palette !== null)) return null;

  // The filtered rows: (height, 1 + rowBytes), each row's first byte naming its filter.
  const bitsPerPixel = depth * channels;
  const rowBytes = Math.ceil((width * bitsPerPixel) / 8);
  const expected = height * (1 + rowBytes);
  let rows: Buffer;
  try {
    rows = inflateSync(idat.length === 1 ? idat[0] : Buffer.concat(idat), { maxOutputLength: expected });
  } catch {
    return null; // truncated, corrupt, or more data than the image holds
  }
  if (rows.length !== expected) return null;
  const pixels = unfilter(rows, height, rowBytes, Math.max(1, bitsPerPixel >> 3));
  if (pixels === null) return null;
  const data = toRgba(pixels, width, height, rowBytes, depth, colour, palette);
  return data === null ? null : { width, height, data };
}

/** Undoes the per-row filters in place; returns the rows without their filter bytes, or null for an unknown filter. */
function unfilter(rows: Uint8Array, height: number, rowBytes: number, bytesPerPixel: number): Uint8Array | null {
  const out = new Uint8Array(height * rowBytes); // (height, rowBytes)
  const stride = rowBytes + 1;
  for (let y = 0; y < height; y++) {
    const filter = rows[y * stride];
    const src = y * stride + 1;
    const row = y * rowBytes;
    const up = row - rowBytes; // the row above in `out` (absent for y = 0: read as zeros)
    switch (filter) {
      case 0: // none
        out.set(rows.subarray(src, src + rowBytes), row);
        break;
      case 1: // sub: + left
        for (let x = 0; x < rowBytes; x++) out[row + x] = rows[src + x] + (x >= bytesPerPixel ? out[row + x - bytesPerPixel] : 0);
        break;
      case 2: // up: + above
        for (let x = 0; x < rowBytes; x++) out[row + x] = rows[src + x] + (y > 0 ? out[up + x] : 0);
        break;
      case 3: // average of left and above
        for (let x = 0; x < rowBytes; x++) {
          const left = x >= bytesPerPixel ? out[row + x - bytesPerPixel] : 0;
          const above = y > 0 ? out[up + x] : 0;
          out[row + x] = rows[src + x] + ((left + above) >> 1);
        }
        break;
      case 4: // Paeth: whichever of left, above, upper-left is closest to left + above - upper-left
        for (let x = 0; x < rowBytes; x++) {
          const left = x >= bytesPerPixel ? out[row + x - bytesPerPixel] : 0;
          const above = y > 0 ? out[up + x] : 0;
          const corner = y > 0 && x >= bytesPerPixel ? out[up + x - bytesPerPixel] : 0;
          const p = left + above - corner;
          const pa = Math.abs(p - left);
          const pb = Math.abs(p - above);
          const pc = Math.abs(p - corner);
          out[row + x] = rows[src + x] + (pa <= pb && pa <= pc ? left : pb <= pc ? above : corner);
        }
        break;
      default:
        return null;
    }
  }
  return out;
}

/** Unfiltered rows -> (height, width, 4) RGBA; grey levels under 8 bits are scaled to 0-255 as libpng does. */
function toRgba(
  pixels: Uint8Array,
  width: number,
  height: number,
  rowBytes: number,
  depth: number,
  colour: number,
  palette: Uint8Array | null,
): Uint8Array | null {
  const out = new Uint8Array(width * height * 4);
  if (depth < 8) {
    const perByte = 8 / depth;
    const mask = (1 << depth) - 1;
    const scale = 255 / mask;
    const entries = palette ? palette.length / 4 : 0;
    for (let y = 0, o = 0; y < height; y++) {
      for (let x = 0; x < width; x++, o += 4) {
        const value = (pixels[y * rowBytes + Math.floor(x / perByte)] >> (8 - depth * ((x % perByte) + 1))) & mask;
        if (palette) {
          if (value >= entries) return null; // libpng's call, not ours
          const p = value * 4;
          out[o] = palette[p];
          out[o + 1] = palette[p + 1];
          out[o + 2] = palette[p + 2];
          out[o + 3] = palette[p + 3];
        } else {
          out[o] = out[o + 1] = out[o + 2] = value * scale;
          out[o + 3] = 255;
        }
      }
    }
    return out;
  }
  const n = width * height;
  switch (colour) {
    case GREY:
      for (let i = 0, o = 0; i < n; i++, o += 4) {
        out[o] = out[o + 1] = out[o + 2] = pixels[i];
        out[o + 3] = 255;
      }
      break;
    case GREY_ALPHA:
      for (let i = 0, o = 0; i < n * 2; i += 2, o += 4) {
        out[o] = out[o + 1] = out[o + 2] = pixels[i];
        out[o + 3] = pixels[i + 1];
      }
      break;
    case RGB:
      for (let i = 0, o = 0; i < n * 3; i += 3, o += 4) {
        out[o] = pixels[i];
        out[o + 1] = pixels[i + 1];
        out[o + 2] = pixels[i + 2];
        out[o + 3] = 255;
      }
      break;
    case RGBA:
      out.set(pixels);
      break;
    case PALETTE: {
      const colours = palette!;
      const entries = colours.length / 4;
      for (let i = 0, o = 0; i < n; i++, o += 4) {
        const index = pixels[i];
        if (index >= entries) return null;
        const p = index * 4;
        out[o] = colours[p];
        out[o + 1] = colours[p + 1];
        out[o + 2] = colours[p + 2];
        out[o + 3] = colours[p + 3];
      }
      break;
    }
  }
  return out;
}
