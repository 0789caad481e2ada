import test from 'node:test';
import assert from 'node:assert/strict';
import { shrinkToFit } from '../../src/image/index.ts';
import type { RgbaImage } from '../../src/vision/types.ts';

function blackSquareOnWhite(width: number, height: number, square: [x: number, y: number, side: number]): RgbaImage {
  const data = new Uint8Array(width * height * 4).fill(255);
  const [sx, sy, side] = square;
  for (let y = sy; y < sy + side; y++) for (let x = sx; x < sx + side; x++) data.fill(0, (y * width + x) * 4, (y * width + x) * 4 + 3);
  return { width, height, data };
}

test('an image within the budget is kept as it is', async () => {
  const image = blackSquareOnWhite(100, 50, [10, 10, 5]);
  const shrunk = await shrinkToFit(image, 5000);
  assert.equal(shrunk.image, image);
  assert.equal(shrunk.scale, 1);
});

test('a bigger image is shrunk to the budget, keeping its aspect ratio and where things are', async () => {
  const image = blackSquareOnWhite(400, 200, [200, 100, 40]);
  const { image: small, scale } = await shrinkToFit(image, 20_000); // 80 000 px -> 20 000: half each side

  assert.deepEqual([small.width, small.height], [200, 100]);
  assert.equal(scale, 2);
  assert.ok(small.width * small.height <= 20_000);
  const at = (x: number, y: number) => small.data[(y * small.width + x) * 4];
  assert.ok(at(110, 60) < 30, 'inside the square (source 220,120) stays dark');
  assert.ok(at(50, 20) > 225, 'the paper stays light');
});
