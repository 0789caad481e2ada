// Resampling an InkMap onto a new pixel grid: area averaging to shrink (every source pixel counted by how much
// of it each output pixel covers, so thin strokes turn grey instead of vanishing) and bilinear to enlarge.
import type { InkMap, RgbaImage } from './types.ts';
import { scratchArray } from './scratch.ts';

/**
 * Output pixel (u, v), covering [u, u+1) x [v, v+1), takes the source region
 * [x0 + u/scale, x0 + (u+1)/scale) x [y0 + v/scale, y0 + (v+1)/scale): `scale` is output pixels per source pixel.
 * Outside the source counts as background (0). Area averaging when scale <= 1, bilinear when scale > 1.
 * `outKey`: the output's pixels in a scratch array under that key (scratch.ts), for work the caller keeps to itself.
 */
export function resampleInk(src: InkMap, x0: number, y0: number, scale: number, width: number, height: number, outKey?: string): InkMap {
  const out = outKey ? scratchArray(outKey, Float32Array, width * height) : new Float32Array(width * height);
  return scale <= 1 ? resampleArea(src, x0, y0, scale, width, height, out) : resampleBilinear(src, x0, y0, scale, width, height, out);
}

/** For each output cell: the first source index it touches and the weights of the source cells it covers. */
interface AxisWeights {
  first: Int32Array; // (outCount)
  count: Int32Array; // (outCount)
  weights: Float32Array; // (outCount, maxTaps)
  maxTaps: number;
}

// Weights of the area average along one axis; they sum to 1 for output cells fully inside the source.
function areaWeights(start: number, scale: number, outCount: number, srcCount: number, axis: 'x' | 'y'): AxisWeights {
  const span = 1 / scale; // source pixels per output pixel
  const maxTaps = Math.ceil(span) + 1;
  const first = scratchArray(`resample.${axis}.first`, Int32Array, outCount);
  const count = scratchArray(`resample.${axis}.count`, Int32Array, outCount);
  const weights = scratchArray(`resample.${axis}.weights`, Float32Array, outCount * maxTaps);
  for (let u = 0; u < outCount; u++) {
    const a = start + u * span;
    const b = a + span;
    const lo = Math.max(0, Math.floor(a));
    const hi = Math.min(srcCount, Math.ceil(b)); // exclusive
    first[u] = lo;
    let n = 0;
    for (let i = lo; i < hi && n < maxTaps; i++, n++) {
      const overlap = Math.min(b, i + 1) - Math.max(a, i);
      weights[u * maxTaps + n] = overlap > 0 ? overlap * scale : 0;
    }
    count[u] = n;
  }
  return { first, count, weights, maxTaps };
}

function resampleArea(src: InkMap, x0: number, y0: number, scale: number, width: number, height: number, out: Float32Array): InkMap {
  const xs = areaWeights(x0, scale, width, src.width, 'x');
  const ys = areaWeights(y0, scale, height, src.height, 'y');
  // rows first: tmp is (src.height, width), then columns: out is (height, width)
  const tmp = scratchArray('resample.rows', Float32Array, src.height * width);
  const s = src.data;
  for (let y = 0; y < src.height; y++) {
    const row = y * src.width;
    for (let u = 0; u < width; u++) {
      let sum = 0;
      const base = u * xs.maxTaps;
      const f = xs.first[u];
      for (let k = 0; k < xs.count[u]; k++) sum += s[row + f + k] * xs.weights[base + k];
      tmp[y * width + u] = sum;
    }
  }
  for (let v = 0; v < height; v++) {
    const base = v * ys.maxTaps;
    const f = ys.first[v];
    for (let k = 0; k < ys.count[v]; k++) {
      const w = ys.weights[base + k];
      const row = (f + k) * width;
      for (let u = 0; u < width; u++) out[v * width + u] += tmp[row + u] * w;
    }
  }
  for (let i = 0; i < out.length; i++) if (out[i] > 1) out[i] = 1;
  return { width, height, data: out };
}

function resampleBilinear(src: InkMap, x0: number, y0: number, scale: number, width: number, height: number, out: Float32Array): InkMap {
  const { width: sw, height: sh, data: s } = src;
  // Each column's two source columns and weight, once for all rows (a column outside the source reads 0).
  const left = scratchArray('resample.left', Int32Array, width);
  const fraction = scratchArray('resample.fraction', Float64Array, width);
  for (let u = 0; u < width; u++) {
    const sx = x0 + (u + 0.5) / scale - 0.5; // source coordinate in pixel-centre units
    left[u] = Math.floor(sx);
    fraction[u] = sx - left[u];
  }
  for (let v = 0; v < height; v++) {
    const sy = y0 + (v + 0.5) / scale - 0.5;
    const iy = Math.floor(sy);
    const fy = sy - iy;
    const top = iy >= 0 && iy < sh ? iy * sw : -1;
    const bottom = iy + 1 >= 0 && iy + 1 < sh ? (iy + 1) * sw : -1;
    if (top < 0 && bottom < 0) continue; // both rows outside: zeros
    for (let u = 0; u < width; u++) {
      const ix = left[u];
      const fx = fraction[u];
      const inA = ix >= 0 && ix < sw;
      const inB = ix + 1 >= 0 && ix + 1 < sw;
      const a = top >= 0 && inA ? s[top + ix] : 0;
      const b = top >= 0 && inB ? s[top + ix + 1] : 0;
      const c = bottom >= 0 && inA ? s[bottom + ix] : 0;
      const d = bottom >= 0 && inB ? s[bottom + ix + 1] : 0;
      out[v * width + u] = (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
    }
  }
  return { width, height, data: out };
}

/**
 * An RGBA image shrunk by a whole `factor` (each output pixel the mean of a factor x factor block, alpha
 * weighted so transparent pixels do not darken the colour). Large photos are read at a few megapixels:
 * plenty for digits, and a bounded cost.
 */
export function shrinkImage(image: RgbaImage, factor: number): RgbaImage {
  if (factor <= 1) return image;
  const width = Math.max(1, Math.floor(image.width / factor));
  const height = Math.max(1, Math.floor(image.height / factor));
  const out = new Uint8ClampedArray(width * height * 4);
  const src = image.data;
  const sums = new Float64Array(width * 4); // one output row's running sums, (width, 4)
  for (let y = 0; y < height; y++) {
    sums.fill(0);
    for (let dy = 0; dy < factor; dy++) {
      const row = (y * factor + dy) * image.width;
      for (let x = 0; x < width; x++) {
        for (let dx = 0; dx < factor; dx++) {
          const p = (row + x * factor + dx) * 4;
          const alpha = src[p + 3];
          sums[x * 4] += src[p] * alpha;
          sums[x * 4 + 1] += src[p + 1] * alpha;
          sums[x * 4 + 2] += src[p + 2] * alpha;
          sums[x * 4 + 3] += alpha;
        }
      }
    }
    for (let x = 0; x < width; x++) {
      const alpha = sums[x * 4 + 3];
      const o = (y * width + x) * 4;
      for (let c = 0; c < 3; c++) out[o + c] = alpha > 0 ? sums[x * 4 + c] / alpha : 255;
      out[o + 3] = alpha / (factor * factor);
    }
  }
  return { width, height, data: out };
}
