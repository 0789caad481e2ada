// 3x3 stride-1 convolution by Winograd's minimal filtering F(2x2, 3x3) (Lavin & Gray 2015), NHWC: each 2x2
// block of output pixels ("tile") is computed from its 4x4 input patch d with 16 multiplies per channel pair
// instead of 36:  Y (2,2) = A^T [ (G g G^T) (.) (B^T d B) ] A.  The elementwise products summed over input
// channels are 16 independent GEMMs, one per position xi of the 4x4 transform:
//   M_xi (T, outC) = V_xi (T, inC) * U_xi (inC, outC),  V = B^T d B per tile and channel, U = G g G^T.
// 2.25x fewer FLOPs than the direct (im2col) GEMM, for a rounding error of the same order (the transforms only
// add, subtract and halve). Used for the forward pass and, with a flipped filter, the input gradient.
// Threads take blocks of T tiles from a shared counter; every tile's result is the same whatever the blocks.
import { NR, gemmPacked, gemmScratchFloats, packB, packedBFloats } from './gemm';

// Geometry block of asm/conv.ts (i32 words)
export const G_BATCH = 0, G_IN_H = 1, G_IN_W = 2, G_IN_C = 3, G_OUT_H = 4, G_OUT_W = 5, G_OUT_C = 6;
export const G_PAD_TOP = 13, G_PAD_LEFT = 14;

// @ts-ignore: decorator
@inline export function g(geom: usize, i: i32): i32 {
  return load<i32>(geom + (<usize>i << 2));
}

// Floats from one of the 16 transformed planes (V_xi, M_xi, H_xi: n rows of c) to the next: n*c rounded up to
// 4 KB, plus 64 bytes. With n*c a multiple of 1024 (T=256 tiles of 32 channels) the 16 planes a transform writes
// at once fell in one L1 cache set and evicted each other: 24.8 -> 20.5 ms for the default model's 28x28
// 32->32 convolution at batch 128, dW 31 -> 23 ms. A block with fewer rows than T fits in T's planes.
// @ts-ignore: decorator
@inline export function planeFloats(n: i32, c: i32): usize {
  return ((<usize>n * <usize>c + 1023) & ~(<usize>1023)) + 16;
}

/** Floats of the transformed, packed filter: 16 packed (inC, outC) B matrices. */
export function winogradFilterFloats(inC: i32, outC: i32): i32 {
  return 16 * packedBFloats(inC, outC);
}

/** Floats of per-thread scratch for blocks of T tiles: V (16 planes of T,inC), M (16 of T,outC), GEMM scratch. */
export function winogradScratchFloats(inC: i32, outC: i32, T: i32): i32 {
  return <i32>(16 * (planeFloats(T, inC) + planeFloats(T, outC))) + gemmScratchFloats();
}

// U_xi (inC,outC) = (G g G^T)[xi] for the filter f (3,3,inC,outC), into tmp (16,inC,outC), then each U_xi packed
// (packB layout) into dst at xi * packedBFloats(inC,outC). G = [[1,0,0],[.5,.5,.5],[.5,-.5,.5],[0,0,1]].
export function winogradFilter(f: usize, inC: i32, outC: i32, tmp: usize, dst: usize): void {
  const n = <usize>inC * <usize>outC; // floats of one (inC,outC) matrix
  for (let e: usize = 0; e < n; e++) {
    // g (3,3) of one (ci,co) pair: f[(fh*3 + fw) * n + e]
    const g00 = load<f32>(f + ((0 * n + e) << 2)), g01 = load<f32>(f + ((1 * n + e) << 2)), g02 = load<f32>(f + ((2 * n + e) << 2));
    const g10 = load<f32>(f + ((3 * n + e) << 2)), g11 = load<f32>(f + ((4 * n + e) << 2)), g12 = load<f32>(f + ((5 * n + e) << 2));
    const g20 = load<f32>(f + ((6 * n + e) << 2)), g21 = load<f32>(f + ((7 * n + e) << 2)), g22 = load<f32>(f + ((8 * n + e) << 2));
    // rows: t (4,3) = G g
    const t00 = g00, t01 = g01, t02 = g02;
    const t10 = <f32>0.5 * (g00 + g10 + g20), t11 = <f32>0.5 * (g01 + g11 + g21), t12 = <f32>0.5 * (g02 + g12 + g22);
    const t20 = <f32>0.5 * (g00 - g10 + g20), t21 = <f32>0.5 * (g01 - g11 + g21), t22 = <f32>0.5 * (g02 - g12 + g22);
    const t30 = g20, t31 = g21, t32 = g22;
    // columns: u (4,4) = t G^T, row by row
    storeFilterRow(tmp, n, e, 0, t00, t01, t02);
    storeFilterRow(tmp, n, e, 1, t10, t11, t12);
    storeFilterRow(tmp, n, e, 2, t20, t21, t22);
    storeFilterRow(tmp, n, e, 3, t30, t31, t32);
  }
  const packed = <usize>packedBFloats(inC, outC) << 2;
  for (let xi = 0; xi < 16; xi++) {
    packB(inC, outC, tmp + ((<usize>xi * n) << 2), outC, 1, dst + <usize>xi * packed, 0, 0x7fffffff);
  }
}

// The filter of the input gradient as a forward convolution: dst (3,3,outC,inC) holds f (3,3,inC,outC) turned
// half a turn in space and with its channel axes swapped, dst[2-kh][2-kw][co][ci] = f[kh][kw][ci][co].
export function flipTransposeFilter(f: usize, inC: i32, outC: i32, dst: usize): void {
  const n = <usize>inC * <usize>outC;
  for (let k = 0; k < 9; k++) {
    const src = f + ((<usize>k * n) << 2);
    const out = dst + ((<usize>(8 - k) * n) << 2);
    for (let ci = 0; ci < inC; ci++) {
      const row = src + ((<usize>ci * <usize>outC) << 2);
      for (let co = 0; co < outC; co++) {
        store<f32>(out + ((<usize>co * <usize>inC + <usize>ci) << 2), load<f32>(row + (<usize>co << 2)));
      }
    }
  }
}

// @ts-ignore: decorator
@inline function storeFilterRow(tmp: usize, n: usize, e: usize, r: i32, a: f32, b: f32, c: f32): void {
  const base = <usize>(r * 4);
  store<f32>(tmp + (((base + 0) * n + e) << 2), a);
  store<f32>(tmp + (((base + 1) * n + e) << 2), <f32>0.5 * (a + b + c));
  store<f32>(tmp + (((base + 2) * n + e) << 2), <f32>0.5 * (a - b + c));
  store<f32>(tmp + (((base + 3) * n + e) << 2), c);
}

// V[xi][t] (inC) = (B^T d B)[xi] for the T tiles from tile t0 (flat over batch, tile rows, tile columns); pixels
// of d outside the image (padding, the far edge) are 0. B^T = [[1,0,-1,0],[0,1,1,0],[0,-1,1,0],[0,1,0,-1]].
// Four channels at a time: inC is a multiple of 4.
function inputTransform(geom: usize, x: usize, t0: i32, T: i32, V: usize): void {
  const inH = g(geom, G_IN_H), inW = g(geom, G_IN_W), inC = g(geom, G_IN_C);
  const outH = g(geom, G_OUT_H), outW = g(geom, G_OUT_W);
  const padTop = g(geom, G_PAD_TOP), padLeft = g(geom, G_PAD_LEFT);
  const tilesW = (outW + 1) >> 1, tilesH = (outH + 1) >> 1;
  const pixelBytes = <usize>inC << 2;
  const xiStride = planeFloats(T, inC) << 2; // bytes between V_xi and V_xi+1
  const zero = f32x4.splat(0);
  for (let t = 0; t < T; t++) {
    const tile = t0 + t;
    const b = tile / (tilesH * tilesW);
    const rem = tile - b * tilesH * tilesW;
    const ih0 = (rem / tilesW) * 2 - padTop;
    const iw0 = (rem % tilesW) * 2 - padLeft;
    const image = x + <usize>b * <usize>inH * <usize>inW * pixelBytes;
    const inside = ih0 >= 0 && iw0 >= 0 && ih0 + 4 <= inH && iw0 + 4 <= inW;
    const out = V + ((<usize>t * <usize>inC) << 2);
    for (let c = 0; c < inC; c += 4) {
      const cOff = <usize>c << 2;
      // d (4,4) of four channels, row by row; t = B^T d on the rows as they come
      let r0c0 = zero, r0c1 = zero, r0c2 = zero, r0c3 = zero;
      let r1c0 = zero, r1c1 = zero, r1c2 = zero, r1c3 = zero;
      let r2c0 = zero, r2c1 = zero, r2c2 = zero, r2c3 = zero;
      let r3c0 = zero, r3c1 = zero, r3c2 = zero, r3c3 = zero;
      if (inside) {
        let p = image + (<usize>ih0 * <usize>inW + <usize>iw0) * pixelBytes + cOff;
        const rowStep = <usize>inW * pixelBytes;
        r0c0 = v128.load(p); r0c1 = v128.load(p + pixelBytes); r0c2 = v128.load(p + 2 * pixelBytes); r0c3 = v128.load(p + 3 * pixelBytes); p += rowStep;
        r1c0 = v128.load(p); r1c1 = v128.load(p + pixelBytes); r1c2 = v128.load(p + 2 * pixelBytes); r1c3 = v128.load(p + 3 * pixelBytes); p += rowStep;
        r2c0 = v128.load(p); r2c1 = v128.load(p + pixelBytes); r2c2 = v128.load(p + 2 * pixelBytes); r2c3 = v128.load(p + 3 * pixelBytes); p += rowStep;
        r3c0 = v128.load(p); r3c1 = v128.load(p + pixelBytes); r3c2 = v128.load(p + 2 * pixelBytes); r3c3 = v128.load(p + 3 * pixelBytes);
      } else {
        r0c0 = pixel(image, inH, inW, pixelBytes, cOff, ih0, iw0); r0c1 = pixel(image, inH, inW, pixelBytes, cOff, ih0, iw0 + 1);
        r0c2 = pixel(image, inH, inW, pixelBytes, cOff, ih0, iw0 + 2); r0c3 = pixel(image, inH, inW, pixelBytes, cOff, ih0, iw0 + 3);
        r1c0 = pixel(image, inH, inW, pixelBytes, cOff, ih0 + 1, iw0); r1c1 = pixel(image, inH, inW, pixelBytes, cOff, ih0 + 1, iw0 + 1);
        r1c2 = pixel(image, inH, inW, pixelBytes, cOff, ih0 + 1, iw0 + 2); r1c3 = pixel(image, inH, inW, pixelBytes, cOff, ih0 + 1, iw0 + 3);
        r2c0 = pixel(image, inH, inW, pixelBytes, cOff, ih0 + 2, iw0); r2c1 = pixel(image, inH, inW, pixelBytes, cOff, ih0 + 2, iw0 + 1);
        r2c2 = pixel(image, inH, inW, pixelBytes, cOff, ih0 + 2, iw0 + 2); r2c3 = pixel(image, inH, inW, pixelBytes, cOff, ih0 + 2, iw0 + 3);
        r3c0 = pixel(image, inH, inW, pixelBytes, cOff, ih0 + 3, iw0); r3c1 = pixel(image, inH, inW, pixelBytes, cOff, ih0 + 3, iw0 + 1);
        r3c2 = pixel(image, inH, inW, pixelBytes, cOff, ih0 + 3, iw0 + 2); r3c3 = pixel(image, inH, inW, pixelBytes, cOff, ih0 + 3, iw0 + 3);
      }
      // t = B^T d: rows d0-d2, d1+d2, d2-d1, d1-d3
      const t0c0 = f32x4.sub(r0c0, r2c0), t0c1 = f32x4.sub(r0c1, r2c1), t0c2 = f32x4.sub(r0c2, r2c2), t0c3 = f32x4.sub(r0c3, r2c3);
      const t1c0 = f32x4.add(r1c0, r2c0), t1c1 = f32x4.add(r1c1, r2c1), t1c2 = f32x4.add(r1c2, r2c2), t1c3 = f32x4.add(r1c3, r2c3);
      const t2c0 = f32x4.sub(r2c0, r1c0), t2c1 = f32x4.sub(r2c1, r1c1), t2c2 = f32x4.sub(r2c2, r1c2), t2c3 = f32x4.sub(r2c3, r1c3);
      const t3c0 = f32x4.sub(r1c0, r3c0), t3c1 = f32x4.sub(r1c1, r3c1), t3c2 = f32x4.sub(r1c2, r3c2), t3c3 = f32x4.sub(r1c3, r3c3);
      // V = t B: the same on the columns; position xi = 4*row + column
      let o = out + cOff;
      storeTransformedRow(o, xiStride, t0c0, t0c1, t0c2, t0c3); o += xiStride * 4;
      storeTransformedRow(o, xiStride, t1c0, t1c1, t1c2, t1c3); o += xiStride * 4;
      storeTransformedRow(o, xiStride, t2c0, t2c1, t2c2, t2c3); o += xiStride * 4;
      storeTransformedRow(o, xiStride, t3c0, t3c1, t3c2, t3c3);
    }
  }
}

// @ts-ignore: decorator
@inline export function pixel(image: usize, inH: i32, inW: i32, pixelBytes: usize, cOff: usize, ih: i32, iw: i32): v128 {
  if (ih < 0 || iw < 0 || ih >= inH || iw >= inW) return f32x4.splat(0);
  return v128.load(image + (<usize>ih * <usize>inW + <usize>iw) * pixelBytes + cOff);
}

// @ts-ignore: decorator
@inline function storeTransformedRow(o: usize, xiStride: usize, c0: v128, c1: v128, c2: v128, c3: v128): void {
  v128.store(o, f32x4.sub(c0, c2));
  v128.store(o + xiStride, f32x4.add(c1, c2));
  v128.store(o + xiStride * 2, f32x4.sub(c2, c1));
  v128.store(o + xiStride * 3, f32x4.sub(c1, c3));
}

// y tiles [t0, t0+T) = act((A^T m A) + bias) from M[xi][t] (outC); only the output pixels inside the image are
// written (a tile on an odd far edge has 1 row or column). A^T = [[1,1,1,0],[0,1,-1,-1]]. outC % 4 == 0.
function outputTransform(geom: usize, Mx: usize, t0: i32, T: i32, bias: usize, activation: i32, y: usize): void {
  const outH = g(geom, G_OUT_H), outW = g(geom, G_OUT_W), outC = g(geom, G_OUT_C);
  const tilesW = (outW + 1) >> 1, tilesH = (outH + 1) >> 1;
  const pixelBytes = <usize>outC << 2;
  const xiStride = planeFloats(T, outC) << 2;
  const zero = f32x4.splat(0);
  for (let t = 0; t < T; t++) {
    const tile = t0 + t;
    const b = tile / (tilesH * tilesW);
    const rem = tile - b * tilesH * tilesW;
    const oh = (rem / tilesW) * 2, ow = (rem % tilesW) * 2;
    const rows = min(2, outH - oh), cols = min(2, outW - ow);
    const image = y + <usize>b * <usize>outH * <usize>outW * pixelBytes;
    const src = Mx + ((<usize>t * <usize>outC) << 2);
    for (let c = 0; c < outC; c += 4) {
      const cOff = <usize>c << 2;
      let p = src + cOff;
      // s (2,4) = A^T m, row by row of m
      const m00 = v128.load(p), m01 = v128.load(p + xiStride), m02 = v128.load(p + xiStride * 2), m03 = v128.load(p + xiStride * 3); p += xiStride * 4;
      const m10 = v128.load(p), m11 = v128.load(p + xiStride), m12 = v128.load(p + xiStride * 2), m13 = v128.load(p + xiStride * 3); p += xiStride * 4;
      const m20 = v128.load(p), m21 = v128.load(p + xiStride), m22 = v128.load(p + xiStride * 2), m23 = v128.load(p + xiStride * 3); p += xiStride * 4;
      const m30 = v128.load(p), m31 = v128.load(p + xiStride), m32 = v128.load(p + xiStride * 2), m33 = v128.load(p + xiStride * 3);
      const s00 = f32x4.add(f32x4.add(m00, m10), m20), s01 = f32x4.add(f32x4.add(m01, m11), m21);
      const s02 = f32x4.add(f32x4.add(m02, m12), m22), s03 = f32x4.add(f32x4.add(m03, m13), m23);
      const s10 = f32x4.sub(f32x4.sub(m10, m20), m30), s11 = f32x4.sub(f32x4.sub(m11, m21), m31);
      const s12 = f32x4.sub(f32x4.sub(m12, m22), m32), s13 = f32x4.sub(f32x4.sub(m13, m23), m33);
      // y (2,2) = s A
      let y00 = f32x4.add(f32x4.add(s00, s01), s02), y01 = f32x4.sub(f32x4.sub(s01, s02), s03);
      let y10 = f32x4.add(f32x4.add(s10, s11), s12), y11 = f32x4.sub(f32x4.sub(s11, s12), s13);
      if (bias != 0) {
        const bv = v128.load(bias + cOff);
        y00 = f32x4.add(y00, bv); y01 = f32x4.add(y01, bv); y10 = f32x4.add(y10, bv); y11 = f32x4.add(y11, bv);
      }
      if (activation == 1) {
        y00 = f32x4.max(y00, zero); y01 = f32x4.max(y01, zero); y10 = f32x4.max(y10, zero); y11 = f32x4.max(y11, zero);
      }
      const o = image + (<usize>oh * <usize>outW + <usize>ow) * pixelBytes + cOff;
      v128.store(o, y00);
      if (cols == 2) v128.store(o + pixelBytes, y01);
      if (rows == 2) {
        const o1 = o + <usize>outW * pixelBytes;
        v128.store(o1, y10);
        if (cols == 2) v128.store(o1 + pixelBytes, y11);
      }
    }
  }
}

// y (N,outH,outW,outC) = act(conv3x3(x (N,H,W,inC), filter) + bias), stride 1, no dilation; Up is the filter
// from winogradFilter. Units: blocks of T tiles (2x2 output pixels each), from the shared counter.
export function winogradConvForward(geom: usize, x: usize, Up: usize, bias: usize, activation: i32, y: usize, T: i32, scratch: usize, counter: usize): void {
  const inC = g(geom, G_IN_C), outC = g(geom, G_OUT_C);
  const tiles = g(geom, G_BATCH) * ((g(geom, G_OUT_H) + 1) >> 1) * ((g(geom, G_OUT_W) + 1) >> 1);
  const V = scratch;
  const Mx = V + ((16 * planeFloats(T, inC)) << 2);
  const gemmScratch = Mx + ((16 * planeFloats(T, outC)) << 2);
  const packed = <usize>packedBFloats(inC, outC) << 2;
  for (let t0 = atomic.add<i32>(counter, 1) * T; t0 < tiles; t0 = atomic.add<i32>(counter, 1) * T) {
    const n = min(T, tiles - t0);
    inputTransform(geom, x, t0, n, V);
    for (let xi = 0; xi < 16; xi++) {
      // M_xi (n,outC) = V_xi (n,inC) * U_xi (inC,outC); the V and M blocks are laid out for n rows
      gemmPacked(n, 0, outC, inC, V + ((<usize>xi * planeFloats(n, inC)) << 2), inC, 1, Up + <usize>xi * packed,
        Mx + ((<usize>xi * planeFloats(n, outC)) << 2), outC, false, gemmScratch);
    }
    outputTransform(geom, Mx, t0, n, bias, activation, y);
  }
}

// ---- The filter gradient by Winograd F(3x3, 2x2) ----
// dW (3,3,inC,outC) = sum over tiles of the correlation of each 4x4 input patch d with its 2x2 tile h of dy:
// dW[kh][kw] = sum_ab d[a+kh][b+kw] h[a][b]. The transposition of F(2x2,3x3) computes that as
//   dW = G^T [ sum_t (A h A^T) (.) (B^T d B) ] G,  A = (A^T of the forward)^T = [[1,0],[1,1],[1,-1],[0,-1]],
// with the forward's input transform (B^T d B) and its filter transform (G) transposed for the output. Over
// channels, 16 GEMMs per block of T tiles: M_xi (inC,outC) += V_xi^T (inC,T) * H_xi (T,outC).
// Work is split in a fixed number of shares (share s: blocks s, s+shares, ...), each accumulating its own M,
// added in share order at the end: the same sums in the same order on any number of threads.

/** Floats of one share's scratch: V (16 planes of T,inC), H (16 of T,outC), packed H_xi, GEMM scratch, then M (16,inC,outC). */
export function winogradFilterGradScratchFloats(inC: i32, outC: i32, T: i32): i32 {
  return <i32>(16 * (planeFloats(T, inC) + planeFloats(T, outC))) + packedBFloats(T, outC) + gemmScratchFloats() + 16 * inC * outC;
}

// H[xi][t] (outC) = (A h A^T)[xi] for the T tiles from t0; dy pixels past the far edge (a tile of one row or
// column) are 0. Rows then columns: a pair (p, q) becomes (p, p+q, p-q, -q).
function dyTransform(geom: usize, dy: usize, t0: i32, T: i32, H: usize): void {
  const outH = g(geom, G_OUT_H), outW = g(geom, G_OUT_W), outC = g(geom, G_OUT_C);
  const tilesW = (outW + 1) >> 1, tilesH = (outH + 1) >> 1;
  const pixelBytes = <usize>outC << 2;
  const xiStride = planeFloats(T, outC) << 2;
  const zero = f32x4.splat(0);
  for (let t = 0; t < T; t++) {
    const tile = t0 + t;
    const b = tile / (tilesH * tilesW);
    const rem = tile - b * tilesH * tilesW;
    const oh = (rem / tilesW) * 2, ow = (rem % tilesW) * 2;
    const hasRow1 = oh + 1 < outH, hasCol1 = ow + 1 < outW;
    const p = dy + ((<usize>b * <usize>outH * <usize>outW + <usize>oh * <usize>outW + <usize>ow) * pixelBytes);
    const p1 = p + <usize>outW * pixelBytes;
    const out = H + ((<usize>t * <usize>outC) << 2);
    for (let c = 0; c < outC; c += 4) {
      const cOff = <usize>c << 2;
      const h00 = v128.load(p + cOff);
      const h01 = hasCol1 ? v128.load(p + pixelBytes + cOff) : zero;
      const h10 = hasRow1 ? v128.load(p1 + cOff) : zero;
      const h11 = hasRow1 && hasCol1 ? v128.load(p1 + pixelBytes + cOff) : zero;
      // r (4,2) = A h
      const r10 = f32x4.add(h00, h10), r11 = f32x4.add(h01, h11);
      const r20 = f32x4.sub(h00, h10), r21 = f32x4.sub(h01, h11);
      const r30 = f32x4.neg(h10), r31 = f32x4.neg(h11);
      let o = out + cOff;
      storeDyRow(o, xiStride, h00, h01); o += xiStride * 4;
      storeDyRow(o, xiStride, r10, r11); o += xiStride * 4;
      storeDyRow(o, xiStride, r20, r21); o += xiStride * 4;
      storeDyRow(o, xiStride, r30, r31);
    }
  }
}

// @ts-ignore: decorator
@inline function storeDyRow(o: usize, xiStride: usize, p: v128, q: v128): void {
  v128.store(o, p);
  v128.store(o + xiStride, f32x4.add(p, q));
  v128.store(o + xiStride * 2, f32x4.sub(p, q));
  v128.store(o + xiStride * 3, f32x4.neg(q));
}

// Share s's M (16,inC,outC) in its scratch.
// @ts-ignore: decorator
@inline function shareM(scratchBase: usize, scratchStride: usize, s: i32, inC: i32, outC: i32, T: i32): usize {
  return scratchBase + <usize>s * scratchStride + ((16 * (planeFloats(T, inC) + planeFloats(T, outC)) + <usize>packedBFloats(T, outC) + <usize>gemmScratchFloats()) << 2);
}

/** The threads' pass: each share's M from its blocks of T tiles (x and dy NHWC, geometry of the forward conv). */
export function winogradBackpropFilter(geom: usize, x: usize, dy: usize, T: i32, scratchBase: usize, scratchStride: usize, shares: i32, counter: usize): void {
  const inC = g(geom, G_IN_C), outC = g(geom, G_OUT_C);
  const tiles = g(geom, G_BATCH) * ((g(geom, G_OUT_H) + 1) >> 1) * ((g(geom, G_OUT_W) + 1) >> 1);
  const blocks = (tiles + T - 1) / T;
  const panels = (outC + NR - 1) / NR;
  for (let s = atomic.add<i32>(counter, 1); s < shares; s = atomic.add<i32>(counter, 1)) {
    const V = scratchBase + <usize>s * scratchStride;
    const H = V + ((16 * planeFloats(T, inC)) << 2);
    const Hp = H + ((16 * planeFloats(T, outC)) << 2);
    const gemmScratch = Hp + ((<usize>packedBFloats(T, outC)) << 2);
    const M = shareM(scratchBase, scratchStride, s, inC, outC, T);
    memory.fill(M, 0, (<usize>16 * <usize>inC * <usize>outC) << 2);
    for (let blk = s; blk < blocks; blk += shares) {
      const t0 = blk * T;
      const n = min(T, tiles - t0);
      inputTransform(geom, x, t0, n, V);
      dyTransform(geom, dy, t0, n, H);
      for (let xi = 0; xi < 16; xi++) {
        packB(n, outC, H + ((<usize>xi * planeFloats(n, outC)) << 2), outC, 1, Hp, 0, panels);
        // op(A) = V_xi^T: element (ci, t) is V_xi[t*inC + ci]
        gemmPacked(inC, 0, outC, n, V + ((<usize>xi * planeFloats(n, inC)) << 2), 1, inC, Hp,
          M + ((<usize>xi * <usize>inC * <usize>outC) << 2), outC, true, gemmScratch);
      }
    }
  }
}

/** After the pass: the shares' M added in order, then dW (3,3,inC,outC) = G^T M G. */
export function winogradBackpropFilterReduce(geom: usize, dW: usize, T: i32, scratchBase: usize, scratchStride: usize, shares: i32): void {
  const inC = g(geom, G_IN_C), outC = g(geom, G_OUT_C);
  const n = <usize>inC * <usize>outC;
  const M = shareM(scratchBase, scratchStride, 0, inC, outC, T);
  for (let s = 1; s < shares; s++) {
    const other = shareM(scratchBase, scratchStride, s, inC, outC, T);
    for (let i: usize = 0; i < 16 * n; i += 4) v128.store(M + (i << 2), f32x4.add(v128.load(M + (i << 2)), v128.load(other + (i << 2))));
  }
  const half = f32x4.splat(0.5);
  const xiBytes = n << 2;
  for (let e: usize = 0; e < n; e += 4) {
    const p = M + (e << 2);
    // u (3,4) = G^T m on the rows of m: u0 = m0 + (m1+m2)/2, u1 = (m1-m2)/2, u2 = (m1+m2)/2 + m3
    const u0 = gtRow(p, xiBytes, 0, half, 0), u1 = gtRow(p, xiBytes, 0, half, 1), u2 = gtRow(p, xiBytes, 0, half, 2);
    const u3 = gtRow(p, xiBytes, 1, half, 0), u4 = gtRow(p, xiBytes, 1, half, 1), u5 = gtRow(p, xiBytes, 1, half, 2);
    const u6 = gtRow(p, xiBytes, 2, half, 0), u7 = gtRow(p, xiBytes, 2, half, 1), u8 = gtRow(p, xiBytes, 2, half, 2);
    const u9 = gtRow(p, xiBytes, 3, half, 0), u10 = gtRow(p, xiBytes, 3, half, 1), u11 = gtRow(p, xiBytes, 3, half, 2);
    // u_c (row-of-m c, output column k): then the same on the columns: dW[kh][kw] from u(.,kw) over rows
    storeGt(dW + (e << 2), xiBytes, 0, u0, u3, u6, u9, half);
    storeGt(dW + (e << 2), xiBytes, 1, u1, u4, u7, u10, half);
    storeGt(dW + (e << 2), xiBytes, 2, u2, u5, u8, u11, half);
  }
}

// Row r of m (positions 4r..4r+3) through G^T: output column k (0..2).
// @ts-ignore: decorator
@inline function gtRow(p: usize, xiBytes: usize, r: i32, half: v128, k: i32): v128 {
  const base = p + <usize>(4 * r) * xiBytes;
  const m0 = v128.load(base), m1 = v128.load(base + xiBytes), m2 = v128.load(base + xiBytes * 2), m3 = v128.load(base + xiBytes * 3);
  if (k == 0) return f32x4.add(m0, f32x4.mul(half, f32x4.add(m1, m2)));
  if (k == 1) return f32x4.mul(half, f32x4.sub(m1, m2));
  return f32x4.add(f32x4.mul(half, f32x4.add(m1, m2)), m3);
}

// Column kw: the 4 row values c0..c3 through G^T into dW[kh][kw] for kh = 0..2 (dW tap (kh,kw) at (3kh+kw)*n).
// @ts-ignore: decorator
@inline function storeGt(dst: usize, xiBytes: usize, kw: i32, c0: v128, c1: v128, c2: v128, c3: v128, half: v128): void {
  v128.store(dst + <usize>kw * xiBytes, f32x4.add(c0, f32x4.mul(half, f32x4.add(c1, c2))));
  v128.store(dst + <usize>(3 + kw) * xiBytes, f32x4.mul(half, f32x4.sub(c1, c2)));
  v128.store(dst + <usize>(6 + kw) * xiBytes, f32x4.add(f32x4.mul(half, f32x4.add(c1, c2)), c3));
}
