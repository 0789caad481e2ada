// 2-D convolution, NHWC, as GEMM over tiles of output pixels: a tile of P output pixels is unrolled
// (im2col) into a (P,K) matrix in per-thread scratch, K = fH*fW*inC in the filter's (fh,fw,ci) order, so
// the filter (fH,fW,inC,outC) is already the (K,outC) B matrix. Never one im2col matrix for the whole batch.
// Forward and both backward passes side by side; threads share the work through a unit counter.
import { NR, gemmPacked, gemmScratchFloats, packB, packedBFloats } from './gemm';

// Geometry block (i32 words) shared by the three passes, written by JavaScript from computeConv2DInfo.
const G_BATCH = 0, G_IN_H = 1, G_IN_W = 2, G_IN_C = 3, G_OUT_H = 4, G_OUT_W = 5, G_OUT_C = 6;
const G_F_H = 7, G_F_W = 8, G_STRIDE_H = 9, G_STRIDE_W = 10, G_DIL_H = 11, G_DIL_W = 12, G_PAD_TOP = 13, G_PAD_LEFT = 14;
export const GEOMETRY_WORDS: i32 = 15;

// @ts-ignore: decorator
@inline function g(geom: usize, i: i32): i32 {
  return load<i32>(geom + (<usize>i << 2));
}

function filterSize(geom: usize): i32 {
  return g(geom, G_F_H) * g(geom, G_F_W) * g(geom, G_IN_C);
}

// Copies n floats: four at a time, then the rest (memory.copy is a call, too slow for the short runs here).
// @ts-ignore: decorator
@inline function copyFloats(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
}

// @ts-ignore: decorator
@inline function addFloats(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
}

// col (P,K) = the receptive fields of output pixels [p0, p0+P) (flat over batch, outH, outW) of x (N,H,W,C).
function im2col(geom: usize, x: usize, p0: i32, P: i32, col: usize): void {
  const inH = g(geom, G_IN_H), inW = g(geom, G_IN_W), inC = g(geom, G_IN_C);
  const outH = g(geom, G_OUT_H), outW = g(geom, G_OUT_W);
  const fH = g(geom, G_F_H), fW = g(geom, G_F_W);
  const sH = g(geom, G_STRIDE_H), sW = g(geom, G_STRIDE_W), dH = g(geom, G_DIL_H), dW = g(geom, G_DIL_W);
  const padTop = g(geom, G_PAD_TOP), padLeft = g(geom, G_PAD_LEFT);
  const rowBytes = <usize>inC << 2;
  let d = col;
  for (let p = p0; p < p0 + P; p++) {
    const b = p / (outH * outW);
    const rem = p - b * outH * outW;
    const oh = rem / outW;
    const ow = rem - oh * outW;
    const image = x + <usize>b * <usize>inH * <usize>inW * rowBytes;
    for (let fh = 0; fh < fH; fh++) {
      const ih = oh * sH - padTop + fh * dH;
      if (ih < 0 || ih >= inH) {
        memory.fill(d, 0, <usize>fW * rowBytes);
        d += <usize>fW * rowBytes;
        continue;
      }
      const iw0 = ow * sW - padLeft;
      if (dW == 1 && iw0 >= 0 && iw0 + fW <= inW) {
        // the whole filter row lies inside the image: fW*inC contiguous floats of NHWC
        copyFloats(d, image + (<usize>ih * <usize>inW + <usize>iw0) * rowBytes, fW * inC);
        d += <usize>fW * rowBytes;
        continue;
      }
      for (let fw = 0; fw < fW; fw++) {
        const iw = iw0 + fw * dW;
        if (iw < 0 || iw >= inW) memory.fill(d, 0, rowBytes);
        else copyFloats(d, image + (<usize>ih * <usize>inW + <usize>iw) * rowBytes, inC);
        d += rowBytes;
      }
    }
  }
}

// dx (N,H,W,C) += the receptive fields in dcol (P,K) of output pixels [p0, p0+P): the adjoint of im2col.
function col2im(geom: usize, dcol: usize, p0: i32, P: i32, dx: usize): void {
  const inH = g(geom, G_IN_H), inW = g(geom, G_IN_W), inC = g(geom, G_IN_C);
  const outH = g(geom, G_OUT_H), outW = g(geom, G_OUT_W);
  const fH = g(geom, G_F_H), fW = g(geom, G_F_W);
  const sH = g(geom, G_STRIDE_H), sW = g(geom, G_STRIDE_W), dH = g(geom, G_DIL_H), dW = g(geom, G_DIL_W);
  const padTop = g(geom, G_PAD_TOP), padLeft = g(geom, G_PAD_LEFT);
  const rowBytes = <usize>inC << 2;
  let s = dcol;
  for (let p = p0; p < p0 + P; p++) {
    const b = p / (outH * outW);
    const rem = p - b * outH * outW;
    const oh = rem / outW;
    const ow = rem - oh * outW;
    const image = dx + <usize>b * <usize>inH * <usize>inW * rowBytes;
    for (let fh = 0; fh < fH; fh++) {
      const ih = oh * sH - padTop + fh * dH;
      if (ih < 0 || ih >= inH) {
        s += <usize>fW * rowBytes;
        continue;
      }
      const iw0 = ow * sW - padLeft;
      if (dW == 1 && iw0 >= 0 && iw0 + fW <= inW) {
        addFloats(image + (<usize>ih * <usize>inW + <usize>iw0) * rowBytes, s, fW * inC);
        s += <usize>fW * rowBytes;
        continue;
      }
      for (let fw = 0; fw < fW; fw++) {
        const iw = iw0 + fw * dW;
        if (iw >= 0 && iw < inW) addFloats(image + (<usize>ih * <usize>inW + <usize>iw) * rowBytes, s, inC);
        s += rowBytes;
      }
    }
  }
}

/** Floats of per-thread scratch each pass needs for tiles of tileP pixels. */
export function convScratchFloats(K: i32, outC: i32, tileP: i32): i32 {
  // col tile + packed dy tile (filter pass) + gemm scratch + private dW (filter pass, threads > 0)
  return tileP * K + packedBFloats(tileP, outC) + gemmScratchFloats() + K * outC;
}

// Threads take work units (tiles, images) from a shared counter, so a thread the OS stalls (a busy machine)
// delays nobody: the others take its share. Results do not depend on which thread ran a unit.
// @ts-ignore: decorator
@inline function nextUnit(counter: usize): i32 {
  return atomic.add<i32>(counter, 1);
}

// y (N,outH,outW,outC) = act(conv(x (N,H,W,inC), filter) + bias); Wp is the (K,outC) filter packed by packB.
// activation: 0 linear, 1 relu. bias may be 0 (none).
// counter is the task's shared unit counter (units: tiles of tileP output pixels).
export function conv2dForward(geom: usize, x: usize, Wp: usize, bias: usize, activation: i32, y: usize, tileP: i32, scratch: usize, counter: usize): void {
  const K = filterSize(geom), outC = g(geom, G_OUT_C);
  const total = g(geom, G_BATCH) * g(geom, G_OUT_H) * g(geom, G_OUT_W);
  const col = scratch;
  const gemmScratch = col + ((<usize>tileP * K + <usize>packedBFloats(tileP, outC)) << 2);
  for (let p = nextUnit(counter) * tileP; p < total; p = nextUnit(counter) * tileP) {
    const P = min(tileP, total - p);
    const out = y + ((<usize>p * <usize>outC) << 2);
    im2col(geom, x, p, P, col);
    gemmPacked(P, 0, outC, K, col, K, 1, Wp, out, outC, false, gemmScratch);
    if (bias != 0 || activation != 0) biasActivation(out, P, outC, bias, activation);
  }
}

// rows (P,outC) = act(rows + bias (outC)), in place.
export function biasActivation(rows: usize, P: i32, outC: i32, bias: usize, activation: i32): void {
  const zero = f32x4.splat(0);
  for (let r = 0; r < P; r++) {
    const row = rows + ((<usize>r * <usize>outC) << 2);
    let c = 0;
    for (; c + 4 <= outC; c += 4) {
      const o = <usize>c << 2;
      let v = v128.load(row + o);
      if (bias != 0) v = f32x4.add(v, v128.load(bias + o));
      if (activation == 1) v = f32x4.max(v, zero);
      v128.store(row + o, v);
    }
    for (; c < outC; c++) {
      const o = <usize>c << 2;
      let v = load<f32>(row + o);
      if (bias != 0) v += load<f32>(bias + o);
      if (activation == 1) v = max(v, <f32>0);
      store<f32>(row + o, v);
    }
  }
}

// dW (K,outC) = sum over output pixels of col^T (K,P) * dy (P,outC), in `shares` fixed shares: share s takes
// tiles s, s+shares, ... into its own accumulator (share 0: dW itself, others a private dW in share s's scratch,
// all zeroed beforehand), which conv2dBackpropFilterReduce then adds in order. Threads claim whole shares from
// the counter, so a sum's order never depends on timing or on which thread ran it (training with the same seed
// gives the same weights), and a thread the OS stalls leaves its share to the others.
export function conv2dBackpropFilter(geom: usize, x: usize, dy: usize, dW: usize, tileP: i32, scratchBase: usize, scratchStride: usize, shares: i32, counter: usize): void {
  const K = filterSize(geom), outC = g(geom, G_OUT_C);
  const total = g(geom, G_BATCH) * g(geom, G_OUT_H) * g(geom, G_OUT_W);
  for (let share = nextUnit(counter); share < shares; share = nextUnit(counter)) {
    const col = scratchBase + <usize>share * scratchStride;
    const dyPacked = col + ((<usize>tileP * K) << 2);
    const gemmScratch = dyPacked + ((<usize>packedBFloats(tileP, outC)) << 2);
    const target = share == 0 ? dW : gemmScratch + ((<usize>gemmScratchFloats()) << 2);
    for (let p = share * tileP; p < total; p += shares * tileP) {
      const P = min(tileP, total - p);
      im2col(geom, x, p, P, col);
      packB(P, outC, dy + ((<usize>p * <usize>outC) << 2), outC, 1, dyPacked, 0, (outC + NR - 1) / NR);
      // op(A) = col^T: element (k, p) is col[p*K + k]
      gemmPacked(K, 0, outC, P, col, 1, K, dyPacked, target, outC, true, gemmScratch);
    }
  }
}

// Share t's private dW (t > 0) in its scratch.
function privateDW(geom: usize, tileP: i32, scratchBase: usize, scratchStride: usize, t: i32): usize {
  const K = filterSize(geom), outC = g(geom, G_OUT_C);
  return scratchBase + <usize>t * scratchStride + ((<usize>tileP * K + <usize>packedBFloats(tileP, outC) + <usize>gemmScratchFloats()) << 2);
}

// Zeroes dW and every share's private dW before the pass.
export function conv2dBackpropFilterZero(geom: usize, dW: usize, tileP: i32, scratchBase: usize, scratchStride: usize, shares: i32): void {
  const bytes = (<usize>filterSize(geom) * <usize>g(geom, G_OUT_C)) << 2;
  memory.fill(dW, 0, bytes);
  for (let t = 1; t < shares; t++) memory.fill(privateDW(geom, tileP, scratchBase, scratchStride, t), 0, bytes);
}

export function conv2dBackpropFilterReduce(geom: usize, dW: usize, tileP: i32, scratchBase: usize, scratchStride: usize, shares: i32): void {
  const K = filterSize(geom), outC = g(geom, G_OUT_C);
  for (let t = 1; t < shares; t++) addFloats(dW, privateDW(geom, tileP, scratchBase, scratchStride, t), K * outC);
}

// dx (N,H,W,inC) = col2im(dy (P,outC) * W^T (outC,K)) per tile; Wtp is W^T packed by packB.
// Units are whole images, so two threads' col2im writes never overlap.
export function conv2dBackpropInput(geom: usize, dy: usize, Wtp: usize, dx: usize, tileP: i32, scratch: usize, counter: usize): void {
  const K = filterSize(geom), outC = g(geom, G_OUT_C);
  const batch = g(geom, G_BATCH);
  const perImage = g(geom, G_OUT_H) * g(geom, G_OUT_W);
  const imageFloats = <usize>g(geom, G_IN_H) * <usize>g(geom, G_IN_W) * <usize>g(geom, G_IN_C);
  const dcol = scratch;
  const gemmScratch = dcol + ((<usize>tileP * K + <usize>packedBFloats(tileP, outC)) << 2);
  for (let b = nextUnit(counter); b < batch; b = nextUnit(counter)) {
    memory.fill(dx + ((<usize>b * imageFloats) << 2), 0, imageFloats << 2);
    for (let p = b * perImage; p < (b + 1) * perImage; p += tileP) {
      const P = min(tileP, (b + 1) * perImage - p);
      gemmPacked(P, 0, K, outC, dy + ((<usize>p * <usize>outC) << 2), outC, 1, Wtp, dcol, K, false, gemmScratch);
      col2im(geom, dcol, p, P, dx);
    }
  }
}

// y = act(conv(x, filter) + bias) for one input channel (a network's first layer on grey images), directly:
// with K = fH*fW taps, im2col's (P,K) tile and the GEMM's packing cost more than the K multiply-adds per output.
// Per output pixel, 32 output channels at a time (8 f32x4 accumulators), then 4 at a time; taps in the filter's
// order and padding read as 0: the same sums in the same order as the GEMM path's register tile.
// f is (fH,fW,1,outC), outC % 4 == 0. Units: runs of `unitP` output pixels from the shared counter.
export function conv2dForwardOneChannel(geom: usize, x: usize, f: usize, bias: usize, activation: i32, y: usize, unitP: i32, counter: usize): void {
  const inH = g(geom, G_IN_H), inW = g(geom, G_IN_W), outH = g(geom, G_OUT_H), outW = g(geom, G_OUT_W), outC = g(geom, G_OUT_C);
  const fH = g(geom, G_F_H), fW = g(geom, G_F_W);
  const sH = g(geom, G_STRIDE_H), sW = g(geom, G_STRIDE_W), dH = g(geom, G_DIL_H), dW = g(geom, G_DIL_W);
  const padTop = g(geom, G_PAD_TOP), padLeft = g(geom, G_PAD_LEFT);
  const total = g(geom, G_BATCH) * outH * outW;
  const tapBytes = <usize>outC << 2; // one tap's filter row (outC)
  const zero = f32x4.splat(0);
  for (let p0 = nextUnit(counter) * unitP; p0 < total; p0 = nextUnit(counter) * unitP) {
    const p1 = min(total, p0 + unitP);
    for (let p = p0; p < p1; p++) {
      const b = p / (outH * outW);
      const rem = p - b * outH * outW;
      const oh = rem / outW, ow = rem - (rem / outW) * outW;
      const ih0 = oh * sH - padTop, iw0 = ow * sW - padLeft;
      const image = x + ((<usize>b * <usize>inH * <usize>inW) << 2);
      const out = y + ((<usize>p * <usize>outC) << 2);
      let c = 0;
      for (; c + 32 <= outC; c += 32) {
        let a0 = zero, a1 = zero, a2 = zero, a3 = zero, a4 = zero, a5 = zero, a6 = zero, a7 = zero;
        let w = f + (<usize>c << 2);
        for (let fh = 0; fh < fH; fh++) {
          for (let fw = 0; fw < fW; fw++) {
            const xv = f32x4.splat(tapValue(image, inH, inW, ih0 + fh * dH, iw0 + fw * dW));
            a0 = f32x4.add(a0, f32x4.mul(xv, v128.load(w)));
            a1 = f32x4.add(a1, f32x4.mul(xv, v128.load(w, 16)));
            a2 = f32x4.add(a2, f32x4.mul(xv, v128.load(w, 32)));
            a3 = f32x4.add(a3, f32x4.mul(xv, v128.load(w, 48)));
            a4 = f32x4.add(a4, f32x4.mul(xv, v128.load(w, 64)));
            a5 = f32x4.add(a5, f32x4.mul(xv, v128.load(w, 80)));
            a6 = f32x4.add(a6, f32x4.mul(xv, v128.load(w, 96)));
            a7 = f32x4.add(a7, f32x4.mul(xv, v128.load(w, 112)));
            w += tapBytes;
          }
        }
        const o = out + (<usize>c << 2);
        v128.store(o, a0); v128.store(o, a1, 16); v128.store(o, a2, 32); v128.store(o, a3, 48);
        v128.store(o, a4, 64); v128.store(o, a5, 80); v128.store(o, a6, 96); v128.store(o, a7, 112);
      }
      for (; c < outC; c += 4) {
        let a0 = zero;
        let w = f + (<usize>c << 2);
        for (let fh = 0; fh < fH; fh++) {
          for (let fw = 0; fw < fW; fw++) {
            a0 = f32x4.add(a0, f32x4.mul(f32x4.splat(tapValue(image, inH, inW, ih0 + fh * dH, iw0 + fw * dW)), v128.load(w)));
            w += tapBytes;
          }
        }
        v128.store(out + (<usize>c << 2), a0);
      }
      if (bias != 0 || activation != 0) biasActivation(out, 1, outC, bias, activation);
    }
  }
}

// x[ih, iw] of a one-channel image, 0 outside it (padding)
// @ts-ignore: decorator
@inline function tapValue(image: usize, inH: i32, inW: i32, ih: i32, iw: i32): f32 {
  return <u32>ih < <u32>inH && <u32>iw < <u32>inW ? load<f32>(image + ((<usize>ih * <usize>inW + <usize>iw) << 2)) : <f32>0;
}
