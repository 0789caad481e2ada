// Exact Euclidean distance transform (Felzenszwalb & Huttenlocher, "Distance Transforms of Sampled Functions"):
// the distance down each column, then a 1-D lower envelope of parabolas along each row, O(pixels).
import { scratchArray } from './scratch.ts';

/**
 * Squared distance from every pixel to the nearest pixel where `isSource` is 1, in pixels²;
 * Infinity when there is no source pixel. `isSource` is (height, width). `outKey`: the result in a scratch
 * array under that key (scratch.ts), for a caller done with it before the next call with that key.
 */
export function squaredDistanceTo(isSource: Uint8Array, width: number, height: number, outKey?: string): Float32Array {
  const out = outKey ? scratchArray(outKey, Float32Array, width * height) : new Float32Array(width * height);
  // Pass 1, down the columns: the distance to the nearest source pixel in the same column, found for a whole
  // row at a time by sweeping down and then up (a binary source needs no parabolas here).
  const last = scratchArray('distance.last', Float64Array, width).fill(-Infinity); // row of the latest source pixel seen in each column
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (isSource[row + x]) last[x] = y;
      out[row + x] = y - last[x];
    }
  }
  last.fill(Infinity);
  for (let y = height - 1; y >= 0; y--) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (isSource[row + x]) last[x] = y;
      const down = out[row + x];
      const up = last[x] - y;
      const nearest = up < down ? up : down;
      out[row + x] = nearest * nearest;
    }
  }
  // Pass 2, along the rows: the lower envelope of the columns' parabolas.
  const f = scratchArray('distance.f', Float64Array, width);
  const d = scratchArray('distance.d', Float64Array, width);
  const v = scratchArray('distance.v', Int32Array, width);
  const z = scratchArray('distance.z', Float64Array, width + 1);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) f[x] = out[y * width + x];
    envelope(f, width, d, v, z);
    for (let x = 0; x < width; x++) out[y * width + x] = d[x];
  }
  return out;
}

// d[q] = min over p of (q - p)² + f[p], for q < n
function envelope(f: Float64Array, n: number, d: Float64Array, v: Int32Array, z: Float64Array): void {
  let k = -1;
  for (let q = 0; q < n; q++) {
    if (f[q] === Infinity) continue;
    if (k < 0) {
      k = 0;
      v[0] = q;
      z[0] = -Infinity;
      z[1] = Infinity;
      continue;
    }
    let s = (f[q] + q * q - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
    while (s <= z[k]) {
      k--;
      if (k < 0) break;
      s = (f[q] + q * q - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
    }
    k++;
    v[k] = q;
    z[k] = k === 0 ? -Infinity : s;
    z[k + 1] = Infinity;
  }
  if (k < 0) {
    for (let q = 0; q < n; q++) d[q] = Infinity;
    return;
  }
  let j = 0;
  for (let q = 0; q < n; q++) {
    while (z[j + 1] < q) j++;
    const dq = q - v[j];
    d[q] = dq * dq + f[v[j]];
  }
}
