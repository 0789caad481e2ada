import test from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { decodeImage, sniffImageFormat, ImageDecodeError } from '../../src/image/index.ts';
import type { RgbaImage } from '../../src/vision/types.ts';
import { encodeBmp, pngClaimingSize } from './fixtures.ts';

// A 6x4 image with a distinct colour in each quadrant, so a flipped or swapped decode shows.
function quadrants(): RgbaImage {
  const width = 6;
  const height = 4;
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const colour = y < 2 ? (x < 3 ? [255, 0, 0] : [0, 255, 0]) : x < 3 ? [0, 0, 255] : [200, 200, 200];
      data.set([...colour, 255], (y * width + x) * 4);
    }
  }
  return { width, height, data };
}

function encodeWithSharp(image: RgbaImage) {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 4 } });
}

test('lossless formats decode to the exact RGBA pixels', async () => {
  const source = quadrants();
  const files = {
    png: await encodeWithSharp(source).png().toBuffer(),
    webp: await encodeWithSharp(source).webp({ lossless: true }).toBuffer(),
    gif: await encodeWithSharp(source).gif().toBuffer(),
    bmp24: encodeBmp(source, 24),
    bmp24TopDown: encodeBmp(source, 24, true),
    bmp32: encodeBmp(source, 32),
  };
  for (const [name, bytes] of Object.entries(files)) {
    const image = await decodeImage(bytes);
    assert.equal(image.width, 6, name);
    assert.equal(image.height, 4, name);
    assert.deepEqual([...image.data], [...source.data], name);
  }
});

test('a paletted 8-bit BMP decodes through its palette', async () => {
  const grey = quadrants();
  for (let i = 0; i < grey.data.length; i += 4) grey.data.fill(grey.data[i], i, i + 3); // r as grey level
  const image = await decodeImage(encodeBmp(grey, 8));
  assert.deepEqual([...image.data], [...grey.data]);
});

test('a JPEG decodes to close colours', async () => {
  const source = quadrants();
  const image = await decodeImage(await encodeWithSharp(source).jpeg({ quality: 100 }).toBuffer());
  assert.equal(image.data.length, source.data.length);
  const topLeft = [...image.data.subarray(0, 3)];
  assert.ok(topLeft[0] > 200 && topLeft[1] < 60 && topLeft[2] < 60, `top-left should be red, got ${topLeft}`);
});

test('the format is recognised from magic bytes', () => {
  assert.equal(sniffImageFormat(Buffer.from('GIF89a...')), 'gif');
  assert.equal(sniffImageFormat(Buffer.from('RIFF\0\0\0\0WEBPVP8 ')), 'webp');
  assert.equal(sniffImageFormat(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>')), null);
});

async function decodeError(bytes: Uint8Array): Promise<ImageDecodeError> {
  try {
    await decodeImage(bytes);
  } catch (error) {
    assert.ok(error instanceof ImageDecodeError, `expected ImageDecodeError, got ${error}`);
    return error;
  }
  assert.fail('decoding should have failed');
}

test('bad bytes fail with a code saying what is wrong', async () => {
  const png = await sharp({ create: { width: 200, height: 100, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
    .png()
    .toBuffer();
  const jpeg = await sharp(png).jpeg().toBuffer();
  const bmp = encodeBmp(quadrants(), 24);
  assert.equal((await decodeError(new Uint8Array(0))).code, 'empty-image');
  assert.equal((await decodeError(Buffer.from('hello, not an image'))).code, 'unsupported-format');
  assert.equal((await decodeError(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).code, 'unsupported-format');
  assert.equal((await decodeError(png.subarray(0, png.length / 2))).code, 'corrupt-image');
  assert.equal((await decodeError(jpeg.subarray(0, jpeg.length / 2))).code, 'corrupt-image');
  assert.equal((await decodeError(bmp.subarray(0, bmp.length - 10))).code, 'corrupt-image');
  assert.equal((await decodeError(bmp.subarray(0, 20))).code, 'corrupt-image');
});

test('an image claiming huge dimensions is refused before it is allocated', async () => {
  const error = await decodeError(pngClaimingSize(100_000, 100_000));
  assert.equal(error.code, 'image-too-large');
  const bmp = encodeBmp(quadrants(), 24);
  new DataView(bmp.buffer).setInt32(18, 100_000, true); // width
  new DataView(bmp.buffer).setInt32(22, 100_000, true); // height
  assert.equal((await decodeError(bmp)).code, 'image-too-large');
});

test('the pixel limit can be lowered', async () => {
  const png = await encodeWithSharp(quadrants()).png().toBuffer();
  await assert.rejects(decodeImage(png, { maxPixels: 10 }), { code: 'image-too-large' });
  assert.equal((await decodeImage(png, { maxPixels: 24 })).width, 6);
});

test('grey and grey-with-alpha images expand to RGBA', async () => {
  const greyLevels = Buffer.from([0, 64, 128, 255]); // 2x2
  const greyAlpha = Buffer.from([10, 0, 20, 100, 30, 200, 40, 255]); // 2x2, (grey, alpha) pairs
  const grey = await sharp(greyLevels, { raw: { width: 2, height: 2, channels: 1 } }).png().toBuffer();
  const withAlpha = await sharp(greyAlpha, { raw: { width: 2, height: 2, channels: 2 } }).png().toBuffer();

  assert.deepEqual([...(await decodeImage(grey)).data], [0, 0, 0, 255, 64, 64, 64, 255, 128, 128, 128, 255, 255, 255, 255, 255]);
  assert.deepEqual([...(await decodeImage(withAlpha)).data], [10, 10, 10, 0, 20, 20, 20, 100, 30, 30, 30, 200, 40, 40, 40, 255]);
});

test('a phone photo (JPEG) is turned upright by its EXIF orientation', async () => {
  const sideways = await encodeWithSharp(quadrants()).jpeg().withMetadata({ orientation: 6 }).toBuffer(); // 6: rotate 90° clockwise
  const image = await decodeImage(sideways);
  assert.deepEqual([image.width, image.height], [4, 6]);
});
