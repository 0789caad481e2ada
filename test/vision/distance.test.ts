import { test } from 'node:test';
import assert from 'node:assert/strict';
import { squaredDistanceTo } from '../../src/vision/distance.ts';
import { seededRandom } from '../../src/vision/index.ts';

// The squared distance from each pixel to its nearest source pixel, by trying every source pixel.
function bruteForce(source: Uint8Array, width: number, height: number): Float32Array {
  const out = new Float32Array(width * height).fill(Infinity);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let sy = 0; sy < height; sy++) {
        for (let sx = 0; sx < width; sx++) {
          if (!source[sy * width + sx]) continue;
          const d = (x - sx) ** 2 + (y - sy) ** 2;
          if (d < out[y * width + x]) out[y * width + x] = d;
        }
      }
    }
  }
  return out;
}

test('the distance transform is exact: random masks of several densities and shapes match brute force', () => {
  const rng = seededRandom(3);
  for (const [width, height] of [[1, 1], [1, 9], [9, 1], [13, 7], [8, 21], [24, 24]]) {
    for (const density of [0, 0.02, 0.2, 0.7, 1]) {
      const source = new Uint8Array(width * height).map(() => (rng() < density ? 1 : 0));
      assert.deepEqual(squaredDistanceTo(source, width, height), bruteForce(source, width, height), `${width}x${height}, density ${density}`);
    }
  }
});

test('a single source pixel gives squared distances, and no source gives Infinity everywhere', () => {
  const source = new Uint8Array(5 * 4);
  source[1 * 5 + 3] = 1; // (3, 1)
  const d = squaredDistanceTo(source, 5, 4);
  assert.equal(d[1 * 5 + 3], 0);
  assert.equal(d[3 * 5 + 0], 9 + 4); // (0, 3): 3 across, 2 down
  assert.ok(squaredDistanceTo(new Uint8Array(6), 3, 2).every((v) => v === Infinity));
});
