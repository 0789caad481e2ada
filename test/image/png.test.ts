import test from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { decodeImage, decodeSmallPng, ImageDecodeError } from '../../src/image/index.ts';
import { seededRandom } from '../../src/vision/index.ts';
import { encodePng, pngChunk } from './fixtures.ts';

const LIMIT = 25_000_000;

/** What sharp makes of the bytes, as RGBA: the reference every fast decode must match. */
async function sharpRgba(bytes: Uint8Array): Promise<number[]> {
  return [...(await sharp(bytes).toColourspace('srgb').ensureAlpha().raw().toBuffer())];
}

function randomRows(width: number, height: number, bytesPerRow: number, seed: number): Uint8Array[] {
  const random = seededRandom(seed);
  // smooth ramps plus noise, so the filters predict something and their arithmetic wraps around 255
  return Array.from({ length: height }, (_, y) =>
    Uint8Array.from({ length: bytesPerRow }, (_, x) => ((x * 7 + y * 13) & 255) ^ Math.floor(random() * 256) * (x % 3 === 0 ? 1 : 0)),
  );
}

function palette(entries: number): Buffer {
  return pngChunk('PLTE', Uint8Array.from({ length: entries * 3 }, (_, i) => (i * 37) & 255));
}

test('small PNGs of every plain kind decode to the same pixels as sharp gives', async () => {
  const width = 13; // odd, so rows of packed low-depth pixels end mid-byte
  const height = 10; // rows use every filter in turn
  const cases = [
    { name: 'grey 8-bit', depth: 8, colour: 0, rowBytes: width },
    { name: 'grey 1-bit', depth: 1, colour: 0, rowBytes: Math.ceil(width / 8) },
    { name: 'grey 2-bit', depth: 2, colour: 0, rowBytes: Math.ceil(width / 4) },
    { name: 'grey 4-bit', depth: 4, colour: 0, rowBytes: Math.ceil(width / 2) },
    { name: 'grey + alpha', depth: 8, colour: 4, rowBytes: width * 2 },
    { name: 'RGB', depth: 8, colour: 2, rowBytes: width * 3 },
    { name: 'RGBA', depth: 8, colour: 6, rowBytes: width * 4 },
    { name: 'palette 8-bit', depth: 8, colour: 3, rowBytes: width, chunks: [palette(256)] },
    { name: 'palette 4-bit', depth: 4, colour: 3, rowBytes: Math.ceil(width / 2), chunks: [palette(16)] },
    { name: 'palette 1-bit + tRNS', depth: 1, colour: 3, rowBytes: Math.ceil(width / 8), chunks: [palette(2), pngChunk('tRNS', Uint8Array.from([0]))] },
    {
      name: 'palette + tRNS + gAMA',
      depth: 8,
      colour: 3,
      rowBytes: width,
      chunks: [pngChunk('gAMA', Uint8Array.from([0, 0, 0xb1, 0x8f])), palette(256), pngChunk('tRNS', Uint8Array.from({ length: 100 }, (_, i) => i * 2))],
    },
  ];
  for (const [k, c] of cases.entries()) {
    const png = encodePng({ width, height, depth: c.depth, colour: c.colour, rows: randomRows(width, height, c.rowBytes, k), chunks: c.chunks });
    const fast = decodeSmallPng(png, LIMIT);
    assert.ok(fast, `${c.name}: the fast path should take it`);
    assert.deepEqual([fast.width, fast.height], [width, height], c.name);
    assert.deepEqual([...fast.data], await sharpRgba(png), c.name);
  }
});

test("sharp's own PNGs (adaptive filters) read the same through the fast path", async () => {
  const random = seededRandom(3);
  const rgba = Uint8Array.from({ length: 40 * 30 * 4 }, () => (random() < 0.5 ? 255 : Math.floor(random() * 256)));
  const raw = { raw: { width: 40, height: 30, channels: 4 as const } };
  for (const png of [await sharp(rgba, raw).png().toBuffer(), await sharp(rgba, raw).png({ palette: true }).toBuffer()]) {
    const fast = decodeSmallPng(png, LIMIT);
    assert.ok(fast);
    assert.deepEqual([...fast.data], await sharpRgba(png));
    assert.deepEqual([...(await decodeImage(png)).data], [...fast.data]);
  }
});

test('PNGs the fast path does not read exactly are left to sharp, and still decode', async () => {
  const rows = randomRows(8, 6, 8 * 3, 1);
  const greyKey = encodePng({ width: 8, height: 6, depth: 8, colour: 0, rows: randomRows(8, 6, 8, 2), chunks: [pngChunk('tRNS', Uint8Array.from([0, 7]))] });
  const interlaced = await sharp(Buffer.concat(rows), { raw: { width: 8, height: 6, channels: 3 } }).png({ progressive: true }).toBuffer();
  const sixteenBit = encodePng({ width: 8, height: 6, depth: 16, colour: 0, rows: randomRows(8, 6, 16, 4) });
  const withProfile = await sharp(Buffer.concat(rows), { raw: { width: 8, height: 6, channels: 3 } }).png().withIccProfile('p3').toBuffer();
  for (const [name, png] of Object.entries({ greyKey, interlaced, sixteenBit, withProfile })) {
    assert.equal(decodeSmallPng(png, LIMIT), null, name);
    const image = await decodeImage(png);
    assert.deepEqual([image.width, image.height], [8, 6], name);
  }
});

test('broken PNGs are left to sharp, which refuses them as corrupt', async () => {
  const width = 6;
  const height = 5;
  const rows = randomRows(width, height, width, 9);
  const good = encodePng({ width, height, depth: 8, colour: 0, rows });
  const idat = good.indexOf('IDAT');
  const idatLength = good.readUInt32BE(idat - 4);
  const withFixedCrc = (bytes: Buffer) => {
    bytes.writeUInt32BE(crc32(bytes.subarray(idat, idat + 4 + idatLength)) >>> 0, idat + 4 + idatLength);
    return bytes;
  };
  const badAdler = Buffer.from(good);
  badAdler[idat + 4 + idatLength - 1] ^= 0x55; // the zlib stream's checksum, with a matching chunk CRC
  const badCrc = Buffer.from(good);
  badCrc[idat + 4 + idatLength] ^= 1;
  const broken = {
    truncated: good.subarray(0, good.length - 20),
    'short pixel data': encodePng({ width, height, depth: 8, colour: 0, rows: rows.slice(0, height - 1) }),
    'wrong zlib checksum': withFixedCrc(badAdler),
    'wrong chunk CRC': badCrc,
    'unknown row filter': encodePng({ width, height, depth: 8, colour: 0, rows, filter: (y) => (y === 2 ? 7 : 1) }),
  };
  for (const [name, png] of Object.entries(broken)) {
    assert.equal(decodeSmallPng(png, LIMIT), null, name);
    await assert.rejects(decodeImage(png), (error) => error instanceof ImageDecodeError && error.code === 'corrupt-image', name);
  }
});

test('a small PNG over the pixel limit is refused, as sharp refuses it', async () => {
  const png = encodePng({ width: 10, height: 10, depth: 8, colour: 0, rows: randomRows(10, 10, 10, 5) });
  assert.equal(decodeSmallPng(png, 99), null);
  await assert.rejects(decodeImage(png, { maxPixels: 99 }), { code: 'image-too-large' });
  assert.ok(decodeSmallPng(png, 100));
});
