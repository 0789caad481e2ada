// Image files crafted for tests: BMPs (24-bit BGR, 32-bit BGRA with bit fields, 8-bit grey palette)
// and PNGs whose header lies about their size.
import { deflateSync, crc32 } from 'node:zlib';
import type { RgbaImage } from '../../src/vision/types.ts';

export function encodeBmp(image: RgbaImage, bitsPerPixel: 8 | 24 | 32, topDown = false): Uint8Array {
  const { width, height, data } = image;
  const rowBytes = Math.floor((bitsPerPixel * width + 31) / 32) * 4;
  const headerSize = bitsPerPixel === 32 ? 108 : 40; // V4 header carries the channel masks
  const paletteSize = bitsPerPixel === 8 ? 256 * 4 : 0;
  const pixelOffset = 14 + headerSize + paletteSize;
  const out = new Uint8Array(pixelOffset + rowBytes * height);
  const view = new DataView(out.buffer);
  out[0] = 0x42;
  out[1] = 0x4d;
  view.setUint32(2, out.length, true);
  view.setUint32(10, pixelOffset, true);
  view.setUint32(14, headerSize, true);
  view.setInt32(18, width, true);
  view.setInt32(22, topDown ? -height : height, true);
  view.setUint16(26, 1, true);
  view.setUint16(28, bitsPerPixel, true);
  view.setUint32(30, bitsPerPixel === 32 ? 3 : 0, true); // BI_BITFIELDS : BI_RGB
  if (bitsPerPixel === 32) {
    view.setUint32(54, 0x00ff0000, true);
    view.setUint32(58, 0x0000ff00, true);
    view.setUint32(62, 0x000000ff, true);
    view.setUint32(66, 0xff000000, true);
  }
  if (bitsPerPixel === 8) {
    for (let i = 0; i < 256; i++) out.set([i, i, i, 0], 14 + headerSize + i * 4);
  }
  for (let y = 0; y < height; y++) {
    const row = pixelOffset + (topDown ? y : height - 1 - y) * rowBytes;
    for (let x = 0; x < width; x++) {
      const [r, g, b, a] = data.subarray((y * width + x) * 4, (y * width + x) * 4 + 4);
      if (bitsPerPixel === 8) out[row + x] = r; // grey: the palette index is the level
      else if (bitsPerPixel === 24) out.set([b, g, r], row + x * 3);
      else out.set([b, g, r, a], row + x * 4);
    }
  }
  return out;
}

export function pngChunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([length, body, crc]);
}

/** A well-formed PNG whose header claims width x height, with almost no pixel data behind it. */
export function pngClaimingSize(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(Buffer.alloc(64))),
    pngChunk('IEND', new Uint8Array(0)),
  ]);
}


export interface PngParts {
  width: number;
  height: number;
  depth: number; // bits per channel
  colour: number; // PNG colour type: 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA
  rows: Uint8Array[]; // each row's bytes, unfiltered
  filter?: (y: number) => number; // the filter (0-4) row y is written with; default y % 5, so every filter shows up; > 4 makes a broken file
  chunks?: Buffer[]; // extra chunks after IHDR (PLTE, tRNS, gAMA...)
}

/** A PNG assembled by hand, so tests control its filters, depths and chunks. */
export function encodePng(parts: PngParts): Buffer {
  const { width, height, depth, colour, rows } = parts;
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colour] ?? 1;
  const bytesPerPixel = Math.max(1, (depth * channels) >> 3);
  const filtered: number[] = [];
  rows.forEach((row, y) => {
    const filter = parts.filter?.(y) ?? y % 5;
    const above = y > 0 ? rows[y - 1] : new Uint8Array(row.length);
    filtered.push(filter);
    for (let x = 0; x < row.length; x++) {
      const left = x >= bytesPerPixel ? row[x - bytesPerPixel] : 0;
      const corner = x >= bytesPerPixel ? above[x - bytesPerPixel] : 0;
      const p = left + above[x] - corner;
      const paeth =
        Math.abs(p - left) <= Math.abs(p - above[x]) && Math.abs(p - left) <= Math.abs(p - corner)
          ? left
          : Math.abs(p - above[x]) <= Math.abs(p - corner)
            ? above[x]
            : corner;
      const predicted = filter <= 4 ? [0, left, above[x], (left + above[x]) >> 1, paeth][filter] : 0; // > 4: no such filter
      filtered.push((row[x] - predicted) & 255);
    }
  });
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = depth;
  header[9] = colour;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    ...(parts.chunks ?? []),
    pngChunk('IDAT', deflateSync(Buffer.from(filtered))),
    pngChunk('IEND', new Uint8Array(0)),
  ]);
}
