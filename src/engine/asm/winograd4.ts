// 3x3 stride-1 convolution by Winograd F(4x4, 3x3) (Lavin & Gray 2015, points 0, +-1, +-2), NHWC, forward only:
// each 4x4 block of output pixels from its 6x6 input patch with 36 multiplies per channel pair instead of 144,
// 4x fewer than im2col and 0.56x the GEMM work of F(2x2, 3x3) (winograd.ts, whose layout this follows: 36
// GEMMs per block of T tiles, M_xi (T,outC) = V_xi (T,inC) * U_xi (inC,outC)). Its transforms multiply by up
// to 8 and 1/24, so its rounding error is ~10x F(2x2,3x3)'s (still ~1e-6 of the outputs' scale here): used for
// batches of up to 16 only, so training batches (128 by default) keep F(2x2,3x3)'s numerics.
import { gemmPacked, gemmScratchFloats, packB, packedBFloats } from './gemm';
import { G_BATCH, G_IN_C, G_IN_H, G_IN_W, G_OUT_C, G_OUT_H, G_OUT_W, G_PAD_LEFT, G_PAD_TOP, g, pixel, planeFloats } from './winograd';

/** Floats of the transformed, packed filter: 36 packed (inC, outC) B matrices. */
export function winograd4FilterFloats(inC: i32, outC: i32): i32 {
  return 36 * packedBFloats(inC, outC);
}

/** Floats of per-thread scratch for blocks of T tiles: V (36 planes of T,inC), M (36 of T,outC), GEMM scratch, 36 vectors. */
export function winograd4ScratchFloats(inC: i32, outC: i32, T: i32): i32 {
  return <i32>(36 * (planeFloats(T, inC) + planeFloats(T, outC))) + gemmScratchFloats() + 36 * 4;
}

// U_xi (inC,outC) = (G g G^T)[xi] for the filter f (3,3,inC,outC), into tmp (36,inC,outC), then each U_xi packed
// into dst at xi * packedBFloats(inC,outC). G = [[1/4,0,0], [-1/6,-1/6,-1/6], [-1/6,1/6,-1/6],
// [1/24,1/12,1/6], [1/24,-1/12,1/6], [0,0,1]]; computed in f64, rounded once.
export function winograd4Filter(f: usize, inC: i32, outC: i32, tmp: usize, dst: usize): void {
  const n = <usize>inC * <usize>outC;
  for (let e: usize = 0; e < n; e++) {
    // g (3,3) of one (ci,co) pair: f[(fh*3 + fw) * n + e]
    const a0 = tap(f, n, e, 0), a1 = tap(f, n, e, 1), a2 = tap(f, n, e, 2);
    const b0 = tap(f, n, e, 3), b1 = tap(f, n, e, 4), b2 = tap(f, n, e, 5);
    const c0 = tap(f, n, e, 6), c1 = tap(f, n, e, 7), c2 = tap(f, n, e, 8);
    // t (6,3) = G g, row r from the columns (a, b, c) of g; then u (6,6) = t G^T, row by row
    storeFilterRow4(tmp, n, e, 0, a0 / 4, a1 / 4, a2 / 4);
    storeFilterRow4(tmp, n, e, 1, -(a0 + b0 + c0) / 6, -(a1 + b1 + c1) / 6, -(a2 + b2 + c2) / 6);
    storeFilterRow4(tmp, n, e, 2, -(a0 - b0 + c0) / 6, -(a1 - b1 + c1) / 6, -(a2 - b2 + c2) / 6);
    storeFilterRow4(tmp, n, e, 3, a0 / 24 + b0 / 12 + c0 / 6, a1 / 24 + b1 / 12 + c1 / 6, a2 / 24 + b2 / 12 + c2 / 6);
    storeFilterRow4(tmp, n, e, 4, a0 / 24 - b0 / 12 + c0 / 6, a1 / 24 - b1 / 12 + c1 / 6, a2 / 24 - b2 / 12 + c2 / 6);
    storeFilterRow4(tmp, n, e, 5, c0, c1, c2);
  }
  const packed = <usize>packedBFloats(inC, outC) << 2;
  for (let xi = 0; xi < 36; xi++) {
    packB(inC, outC, tmp + ((<usize>xi * n) << 2), outC, 1, dst + <usize>xi * packed, 0, 0x7fffffff);
  }
}

// @ts-ignore: decorator
@inline function tap(f: usize, n: usize, e: usize, k: i32): f64 {
  return <f64>load<f32>(f + ((<usize>k * n + e) << 2));
}

// Row r of u = t G^T from row r of t, (a, b, c): six values, into tmp planes 6r..6r+5.
// @ts-ignore: decorator
@inline function storeFilterRow4(tmp: usize, n: usize, e: usize, r: i32, a: f64, b: f64, c: f64): void {
  const base = <usize>(r * 6);
  store<f32>(tmp + (((base + 0) * n + e) << 2), <f32>(a / 4));
  store<f32>(tmp + (((base + 1) * n + e) << 2), <f32>(-(a + b + c) / 6));
  store<f32>(tmp + (((base + 2) * n + e) << 2), <f32>(-(a - b + c) / 6));
  store<f32>(tmp + (((base + 3) * n + e) << 2), <f32>(a / 24 + b / 12 + c / 6));
  store<f32>(tmp + (((base + 4) * n + e) << 2), <f32>(a / 24 - b / 12 + c / 6));
  store<f32>(tmp + (((base + 5) * n + e) << 2), <f32>c);
}

// B^T applied to six values (a 6x6 patch's row or column) of four channels, stored 6 at `o` with `step` bytes
// between them. B^T = [[4,0,-5,0,1,0], [0,-4,-4,1,1,0], [0,4,-4,-1,1,0], [0,-2,-1,2,1,0], [0,2,-1,-2,1,0],
// [0,4,0,-5,0,1]].
// @ts-ignore: decorator
@inline function inputRow(o: usize, step: usize, d0: v128, d1: v128, d2: v128, d3: v128, d4: v128, d5: v128): void {
  const four = f32x4.splat(4), five = f32x4.splat(5), two = f32x4.splat(2);
  const a = f32x4.sub(d4, f32x4.mul(four, d2)); // d4 - 4 d2
  const b = f32x4.sub(d3, f32x4.mul(four, d1)); // d3 - 4 d1
  const c = f32x4.sub(d4, d2); // d4 - d2
  const e = f32x4.mul(two, f32x4.sub(d3, d1)); // 2 (d3 - d1)
  v128.store(o, f32x4.add(f32x4.sub(f32x4.mul(four, d0), f32x4.mul(five, d2)), d4));
  v128.store(o + step, f32x4.add(a, b));
  v128.store(o + step * 2, f32x4.sub(a, b));
  v128.store(o + step * 3, f32x4.add(c, e));
  v128.store(o + step * 4, f32x4.sub(c, e));
  v128.store(o + step * 5, f32x4.add(f32x4.sub(f32x4.mul(four, d1), f32x4.mul(five, d3)), d5));
}

// V[xi][t] (inC) = (B^T d B)[xi] for the T tiles from tile t0; pixels of d outside the image are 0. Rows of d
// first, into `partial` (36 vectors: 6 rows of 6), then its columns into the 36 planes (xi = 6 row + column).
function inputTransform4(geom: usize, x: usize, t0: i32, T: i32, V: usize, partial: usize): void {
  const inH = g(geom, G_IN_H), inW = g(geom, G_IN_W), inC = g(geom, G_IN_C);
  const outH = g(geom, G_OUT_H), outW = g(geom, G_OUT_W);
  const padTop = g(geom, G_PAD_TOP), padLeft = g(geom, G_PAD_LEFT);
  const tilesW = (outW + 3) >> 2, tilesH = (outH + 3) >> 2;
  const pixelBytes = <usize>inC << 2;
  const xiStride = planeFloats(T, inC) << 2;
  for (let t = 0; t < T; t++) {
    const tile = t0 + t;
    const b = tile / (tilesH * tilesW);
    const rem = tile - b * tilesH * tilesW;
    const ih0 = (rem / tilesW) * 4 - padTop;
    const iw0 = (rem % tilesW) * 4 - padLeft;
    const image = x + <usize>b * <usize>inH * <usize>inW * pixelBytes;
    const inside = ih0 >= 0 && iw0 >= 0 && ih0 + 6 <= inH && iw0 + 6 <= inW;
    const out = V + ((<usize>t * <usize>inC) << 2);
    for (let c = 0; c < inC; c += 4) {
      const cOff = <usize>c << 2;
      for (let r = 0; r < 6; r++) {
        // row r of d through B on its columns: partial[r][k], 16 bytes apart
        const o = partial + (<usize>(r * 6) << 4);
        if (inside) {
          const p = image + (<usize>(ih0 + r) * <usize>inW + <usize>iw0) * pixelBytes + cOff;
          inputRow(o, 16, v128.load(p), v128.load(p + pixelBytes), v128.load(p + 2 * pixelBytes),
            v128.load(p + 3 * pixelBytes), v128.load(p + 4 * pixelBytes), v128.load(p + 5 * pixelBytes));
        } else {
          const ih = ih0 + r;
          inputRow(o, 16, pixel(image, inH, inW, pixelBytes, cOff, ih, iw0), pixel(image, inH, inW, pixelBytes, cOff, ih, iw0 + 1),
            pixel(image, inH, inW, pixelBytes, cOff, ih, iw0 + 2), pixel(image, inH, inW, pixelBytes, cOff, ih, iw0 + 3),
            pixel(image, inH, inW, pixelBytes, cOff, ih, iw0 + 4), pixel(image, inH, inW, pixelBytes, cOff, ih, iw0 + 5));
        }
      }
      for (let k = 0; k < 6; k++) {
        // column k through B^T: planes xi = 6 i + k
        const q = partial + (<usize>k << 4);
        inputRow(out + cOff + xiStride * <usize>k, xiStride * 6, v128.load(q), v128.load(q + 96), v128.load(q + 192),
          v128.load(q + 288), v128.load(q + 384), v128.load(q + 480));
      }
    }
  }
}

// A^T applied to six values of four channels: four. A^T = [[1,1,1,1,1,0], [0,1,-1,2,-2,0], [0,1,1,4,4,0],
// [0,1,-1,8,-8,1]].
// @ts-ignore: decorator
@inline function outputSums(m0: v128, m1: v128, m2: v128, m3: v128, m4: v128, m5: v128, o: usize, step: usize): void {
  const p = f32x4.add(m1, m2), q = f32x4.sub(m1, m2); // m1 +- m2
  const r = f32x4.add(m3, m4), s = f32x4.sub(m3, m4); // m3 +- m4
  v128.store(o, f32x4.add(f32x4.add(m0, p), r));
  v128.store(o + step, f32x4.add(q, f32x4.mul(f32x4.splat(2), s)));
  v128.store(o + step * 2, f32x4.add(p, f32x4.mul(f32x4.splat(4), r)));
  v128.store(o + step * 3, f32x4.add(f32x4.add(q, f32x4.mul(f32x4.splat(8), s)), m5));
}

// y tiles [t0, t0+T) = act((A^T m A) + bias) from M[xi][t] (outC): rows of m through A into `partial` (vectors
// 0-23: 6 rows of 4), then its columns through A^T (each column's 4 outputs in vectors 24-27) into the output;
// only pixels inside the image are written.
function outputTransform4(geom: usize, Mx: usize, t0: i32, T: i32, bias: usize, activation: i32, y: usize, partial: usize): void {
  const outH = g(geom, G_OUT_H), outW = g(geom, G_OUT_W), outC = g(geom, G_OUT_C);
  const tilesW = (outW + 3) >> 2, tilesH = (outH + 3) >> 2;
  const pixelBytes = <usize>outC << 2;
  const xiStride = planeFloats(T, outC) << 2;
  const zero = f32x4.splat(0);
  for (let t = 0; t < T; t++) {
    const tile = t0 + t;
    const b = tile / (tilesH * tilesW);
    const rem = tile - b * tilesH * tilesW;
    const oh = (rem / tilesW) * 4, ow = (rem % tilesW) * 4;
    const rows = min(4, outH - oh), cols = min(4, outW - ow);
    const image = y + <usize>b * <usize>outH * <usize>outW * pixelBytes;
    const src = Mx + ((<usize>t * <usize>outC) << 2);
    for (let c = 0; c < outC; c += 4) {
      const cOff = <usize>c << 2;
      for (let i = 0; i < 6; i++) {
        // row i of m (planes 6i..6i+5) through A on its columns: partial[i][k]
        const p = src + cOff + xiStride * <usize>(6 * i);
        outputSums(v128.load(p), v128.load(p + xiStride), v128.load(p + xiStride * 2), v128.load(p + xiStride * 3),
          v128.load(p + xiStride * 4), v128.load(p + xiStride * 5), partial + (<usize>(i * 4) << 4), 16);
      }
      const bv = bias != 0 ? v128.load(bias + cOff) : zero;
      for (let k = 0; k < cols; k++) {
        // column k through A^T: output rows 0..3 of column k, into vectors 24-27
        const q = partial + (<usize>k << 4);
        const col = partial + (24 << 4);
        outputSums(v128.load(q), v128.load(q + 64), v128.load(q + 128), v128.load(q + 192), v128.load(q + 256), v128.load(q + 320), col, 16);
        for (let r = 0; r < rows; r++) {
          let v = v128.load(col + (<usize>r << 4));
          if (bias != 0) v = f32x4.add(v, bv);
          if (activation == 1) v = f32x4.max(v, zero);
          v128.store(image + (<usize>(oh + r) * <usize>outW + <usize>(ow + k)) * pixelBytes + cOff, v);
        }
      }
    }
  }
}

// y (N,outH,outW,outC) = act(conv3x3(x (N,H,W,inC), filter) + bias), stride 1; Up from winograd4Filter. Units:
// blocks of T tiles (4x4 output pixels each), from the shared counter.
export function winograd4ConvForward(geom: usize, x: usize, Up: usize, bias: usize, activation: i32, y: usize, T: i32, scratch: usize, counter: usize): void {
  const inC = g(geom, G_IN_C), outC = g(geom, G_OUT_C);
  const tiles = g(geom, G_BATCH) * ((g(geom, G_OUT_H) + 3) >> 2) * ((g(geom, G_OUT_W) + 3) >> 2);
  const V = scratch;
  const Mx = V + ((36 * planeFloats(T, inC)) << 2);
  const gemmScratch = Mx + ((36 * planeFloats(T, outC)) << 2);
  const partial = gemmScratch + (<usize>gemmScratchFloats() << 2);
  const packed = <usize>packedBFloats(inC, outC) << 2;
  for (let t0 = atomic.add<i32>(counter, 1) * T; t0 < tiles; t0 = atomic.add<i32>(counter, 1) * T) {
    const n = min(T, tiles - t0);
    inputTransform4(geom, x, t0, n, V, partial);
    for (let xi = 0; xi < 36; xi++) {
      gemmPacked(n, 0, outC, inC, V + ((<usize>xi * planeFloats(n, inC)) << 2), inC, 1, Up + <usize>xi * packed,
        Mx + ((<usize>xi * planeFloats(n, outC)) << 2), outC, false, gemmScratch);
    }
    outputTransform4(geom, Mx, t0, n, bias, activation, y, partial);
  }
}
