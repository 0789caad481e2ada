// SGEMM core: C (M,N) = op(A) (M,K) * op(B) (K,N) (+ C when accumulating), f32, row-major with strides.
// Transposes are expressed as strides: element (m,k) of op(A) is A[m*rsA + k*csA], (k,n) of op(B) is B[k*rsB + n*csB].
// Cache blocking (BLIS order): jc over NC columns, pc over KC depth, ic over MC rows; A blocks are packed into
// MR-row micro-panels, B is packed once into NR-column micro-panels, and an MR x NR register tile of f32x4
// accumulators does the work. wasm SIMD has no FMA (relaxed-simd is behind a flag in Node 20), so mul + add.

export const MR: i32 = 4; // rows of the register tile
export const NR: i32 = 8; // columns of the register tile (two f32x4)
export const KC: i32 = 256; // depth of one packed block
export const MC: i32 = 128; // rows of A per packed block (multiple of MR)
export const NC: i32 = 1024; // columns of B per macro block (multiple of NR)

/** Floats of scratch one thread needs for packing A plus one edge tile. */
export function gemmScratchFloats(): i32 {
  return MC * KC + MR * NR;
}

/** Floats the packed form of a (K,N) B takes: ceil(N/NR) panels of K rows of NR floats. */
export function packedBFloats(K: i32, N: i32): i32 {
  return ((N + NR - 1) / NR) * K * NR;
}

// Packs B panels [p0, p1) of a (K,N) op(B) into dst: panel j holds rows k=0..K-1, NR floats each
// (columns j*NR .. j*NR+NR-1, zero past N). Panel j starts at dst + j*K*NR floats. p1 is clamped to the panels.
export function packB(K: i32, N: i32, B: usize, rsB: i32, csB: i32, dst: usize, p0: i32, p1: i32): void {
  const end = min(p1, (N + NR - 1) / NR);
  for (let j = p0; j < end; j++) {
    const n0 = j * NR;
    const nr = min(NR, N - n0);
    let d = dst + ((<usize>j * <usize>K * NR) << 2);
    if (nr == NR && csB == 1) {
      let s = B + (<usize>n0 << 2);
      const step = <usize>rsB << 2;
      for (let k = 0; k < K; k++) {
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
        s += step;
        d += NR << 2;
      }
    } else if (nr == NR && rsB == 1) {
      // op(B) is a transposed matrix: its NR columns are NR rows of memory, read four k at a time and
      // transposed in registers (4x4 blocks)
      const s0 = B + ((<usize>n0 * <usize>csB) << 2);
      const step = <usize>csB << 2;
      let k = 0;
      for (; k + 4 <= K; k += 4) {
        const o = <usize>k << 2;
        transpose4x4To(d, s0 + o, step, NR << 2);
        transpose4x4To(d + 16, s0 + o + (step << 2), step, NR << 2);
        d += (NR << 2) << 2;
      }
      for (; k < K; k++) {
        for (let n = 0; n < NR; n++) store<f32>(d + (<usize>n << 2), load<f32>(s0 + <usize>n * step + (<usize>k << 2)));
        d += NR << 2;
      }
    } else {
      for (let k = 0; k < K; k++) {
        const row = B + ((<usize>k * <usize>rsB) << 2);
        for (let n = 0; n < NR; n++) {
          store<f32>(d + (<usize>n << 2), n < nr ? load<f32>(row + ((<usize>(n0 + n) * <usize>csB) << 2)) : 0);
        }
        d += NR << 2;
      }
    }
  }
}

// Reads 4 rows of 4 floats (rows srcStride bytes apart) and writes them transposed: column c of the input
// becomes 4 floats at dst + c*dstStride.
// @ts-ignore: decorator
@inline
function transpose4x4To(dst: usize, src: usize, srcStride: usize, dstStride: usize): void {
  const a = v128.load(src);
  const b = v128.load(src + srcStride);
  const c = v128.load(src + srcStride * 2);
  const e = v128.load(src + srcStride * 3);
  const ab0 = v128.shuffle<f32>(a, b, 0, 4, 1, 5); // a0 b0 a1 b1
  const ab1 = v128.shuffle<f32>(a, b, 2, 6, 3, 7); // a2 b2 a3 b3
  const ce0 = v128.shuffle<f32>(c, e, 0, 4, 1, 5);
  const ce1 = v128.shuffle<f32>(c, e, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(ab0, ce0, 0, 1, 4, 5));
  v128.store(dst + dstStride, v128.shuffle<f32>(ab0, ce0, 2, 3, 6, 7));
  v128.store(dst + dstStride * 2, v128.shuffle<f32>(ab1, ce1, 0, 1, 4, 5));
  v128.store(dst + dstStride * 3, v128.shuffle<f32>(ab1, ce1, 2, 3, 6, 7));
}

// Packs the (mc,kc) block of op(A) at A into MR-row micro-panels: panel i holds, for each k, MR floats
// (rows i*MR .. i*MR+MR-1, zero past mc). Panel i starts at dst + i*kc*MR floats.
function packA(mc: i32, kc: i32, A: usize, rsA: i32, csA: i32, dst: usize): void {
  let d = dst;
  for (let i = 0; i < mc; i += MR) {
    const mr = min(MR, mc - i);
    if (mr == MR && rsA == 1) {
      // op(A) is a transposed matrix: the MR rows of one k are contiguous
      let s = A + (<usize>i << 2);
      const step = <usize>csA << 2;
      for (let k = 0; k < kc; k++) {
        v128.store(d, v128.load(s));
        s += step;
        d += MR << 2;
      }
    } else if (mr == MR && csA == 1) {
      const r0 = A + ((<usize>i * <usize>rsA) << 2);
      const r1 = r0 + (<usize>rsA << 2);
      const r2 = r1 + (<usize>rsA << 2);
      const r3 = r2 + (<usize>rsA << 2);
      let k = 0;
      // 4 rows x 4 k at a time, transposed in registers
      for (; k + 4 <= kc; k += 4) {
        const o = <usize>k << 2;
        const a = v128.load(r0 + o);
        const b = v128.load(r1 + o);
        const c = v128.load(r2 + o);
        const e = v128.load(r3 + o);
        const ab0 = v128.shuffle<f32>(a, b, 0, 4, 1, 5); // a0 b0 a1 b1
        const ab1 = v128.shuffle<f32>(a, b, 2, 6, 3, 7); // a2 b2 a3 b3
        const ce0 = v128.shuffle<f32>(c, e, 0, 4, 1, 5);
        const ce1 = v128.shuffle<f32>(c, e, 2, 6, 3, 7);
        v128.store(d, v128.shuffle<f32>(ab0, ce0, 0, 1, 4, 5));
        v128.store(d, v128.shuffle<f32>(ab0, ce0, 2, 3, 6, 7), 16);
        v128.store(d, v128.shuffle<f32>(ab1, ce1, 0, 1, 4, 5), 32);
        v128.store(d, v128.shuffle<f32>(ab1, ce1, 2, 3, 6, 7), 48);
        d += 16 << 2;
      }
      for (; k < kc; k++) {
        const o = <usize>k << 2;
        store<f32>(d, load<f32>(r0 + o));
        store<f32>(d, load<f32>(r1 + o), 4);
        store<f32>(d, load<f32>(r2 + o), 8);
        store<f32>(d, load<f32>(r3 + o), 12);
        d += MR << 2;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        for (let r = 0; r < MR; r++) {
          store<f32>(d + (<usize>r << 2), r < mr ? load<f32>(A + ((<usize>(i + r) * <usize>rsA + <usize>k * <usize>csA) << 2)) : 0);
        }
        d += MR << 2;
      }
    }
  }
}

// The register tile: acc (MR,NR) = sum over kc of a (kc,MR) panel outer b (kc,NR) panel, written to c
// (row stride ldc floats), added to c when accumulate.
// @ts-ignore: decorator
@inline
function microKernel(kc: i32, a: usize, b: usize, c: usize, ldc: i32, accumulate: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let av = v128.load32_splat(a);
    c00 = f32x4.add(c00, f32x4.mul(av, b0));
    c01 = f32x4.add(c01, f32x4.mul(av, b1));
    av = v128.load32_splat(a, 4);
    c10 = f32x4.add(c10, f32x4.mul(av, b0));
    c11 = f32x4.add(c11, f32x4.mul(av, b1));
    av = v128.load32_splat(a, 8);
    c20 = f32x4.add(c20, f32x4.mul(av, b0));
    c21 = f32x4.add(c21, f32x4.mul(av, b1));
    av = v128.load32_splat(a, 12);
    c30 = f32x4.add(c30, f32x4.mul(av, b0));
    c31 = f32x4.add(c31, f32x4.mul(av, b1));
    a += MR << 2;
    b += NR << 2;
  }
  const step = <usize>ldc << 2;
  let r = c;
  if (accumulate) {
    v128.store(r, f32x4.add(v128.load(r), c00)); v128.store(r, f32x4.add(v128.load(r, 16), c01), 16); r += step;
    v128.store(r, f32x4.add(v128.load(r), c10)); v128.store(r, f32x4.add(v128.load(r, 16), c11), 16); r += step;
    v128.store(r, f32x4.add(v128.load(r), c20)); v128.store(r, f32x4.add(v128.load(r, 16), c21), 16); r += step;
    v128.store(r, f32x4.add(v128.load(r), c30)); v128.store(r, f32x4.add(v128.load(r, 16), c31), 16);
  } else {
    v128.store(r, c00); v128.store(r, c01, 16); r += step;
    v128.store(r, c10); v128.store(r, c11, 16); r += step;
    v128.store(r, c20); v128.store(r, c21, 16); r += step;
    v128.store(r, c30); v128.store(r, c31, 16);
  }
}

// One row of the register tile, for C with fewer rows than MR (a batch of one): acc (1,NR) = sum over kc of
// a[k] * b (kc,NR), four k at a time into separate accumulators so the adds do not wait on each other.
// @ts-ignore: decorator
@inline
function microKernelRow(kc: i32, a: usize, b: usize, c: usize, accumulate: bool): void {
  let p0 = f32x4.splat(0), p1 = f32x4.splat(0), q0 = f32x4.splat(0), q1 = f32x4.splat(0);
  let r0 = f32x4.splat(0), r1 = f32x4.splat(0), s0 = f32x4.splat(0), s1 = f32x4.splat(0);
  let k = 0;
  for (; k + 4 <= kc; k += 4) {
    let av = v128.load32_splat(a);
    p0 = f32x4.add(p0, f32x4.mul(av, v128.load(b)));
    p1 = f32x4.add(p1, f32x4.mul(av, v128.load(b, 16)));
    av = v128.load32_splat(a, MR << 2);
    q0 = f32x4.add(q0, f32x4.mul(av, v128.load(b, 32)));
    q1 = f32x4.add(q1, f32x4.mul(av, v128.load(b, 48)));
    av = v128.load32_splat(a, MR << 3);
    r0 = f32x4.add(r0, f32x4.mul(av, v128.load(b, 64)));
    r1 = f32x4.add(r1, f32x4.mul(av, v128.load(b, 80)));
    av = v128.load32_splat(a, MR * 12);
    s0 = f32x4.add(s0, f32x4.mul(av, v128.load(b, 96)));
    s1 = f32x4.add(s1, f32x4.mul(av, v128.load(b, 112)));
    a += MR << 4;
    b += NR << 4;
  }
  for (; k < kc; k++) {
    const av = v128.load32_splat(a);
    p0 = f32x4.add(p0, f32x4.mul(av, v128.load(b)));
    p1 = f32x4.add(p1, f32x4.mul(av, v128.load(b, 16)));
    a += MR << 2;
    b += NR << 2;
  }
  let c0 = f32x4.add(f32x4.add(p0, q0), f32x4.add(r0, s0));
  let c1 = f32x4.add(f32x4.add(p1, q1), f32x4.add(r1, s1));
  if (accumulate) {
    c0 = f32x4.add(v128.load(c), c0);
    c1 = f32x4.add(v128.load(c, 16), c1);
  }
  v128.store(c, c0);
  v128.store(c, c1, 16);
}

// C (mc,nc) (+)= packed A block (mc,kc) * packed B columns; B panel j of this block at bp + j*bPanelStride bytes.
function macroKernel(mc: i32, nc: i32, kc: i32, ap: usize, bp: usize, bPanelStride: usize, C: usize, ldc: i32, accumulate: bool, edge: usize): void {
  for (let j = 0; j < nc; j += NR) {
    const nr = min(NR, nc - j);
    const b = bp + <usize>(j / NR) * bPanelStride;
    for (let i = 0; i < mc; i += MR) {
      const mr = min(MR, mc - i);
      const a = ap + ((<usize>i * <usize>kc) << 2);
      const c = C + ((<usize>i * <usize>ldc + <usize>j) << 2);
      if (mr == MR && nr == NR) {
        microKernel(kc, a, b, c, ldc, accumulate);
      } else if (mr == 1) {
        // a single row: a quarter of the work of a padded MR-row tile
        if (nr == NR) {
          microKernelRow(kc, a, b, c, accumulate);
        } else {
          microKernelRow(kc, a, b, edge, false);
          for (let q = 0; q < nr; q++) {
            const v = load<f32>(edge + (<usize>q << 2));
            const p = c + (<usize>q << 2);
            store<f32>(p, accumulate ? load<f32>(p) + v : v);
          }
        }
      } else {
        // partial tile: compute the full tile into edge, then copy the valid part
        microKernel(kc, a, b, edge, NR, false);
        for (let r = 0; r < mr; r++) {
          const cr = c + ((<usize>r * <usize>ldc) << 2);
          const er = edge + ((<usize>r * NR) << 2);
          for (let q = 0; q < nr; q++) {
            const v = load<f32>(er + (<usize>q << 2));
            const p = cr + (<usize>q << 2);
            store<f32>(p, accumulate ? load<f32>(p) + v : v);
          }
        }
      }
    }
  }
}

/**
 * C rows [0,M) cols [n0,n1) (+)= op(A) (M,K) * packed B (K,N). n0 must be a multiple of NR.
 * Bp is B packed by packB over all its panels; scratch holds gemmScratchFloats() floats.
 */
export function gemmPacked(M: i32, n0: i32, n1: i32, K: i32, A: usize, rsA: i32, csA: i32, Bp: usize, C: usize, ldc: i32, accumulate: bool, scratch: usize): void {
  const ap = scratch;
  const edge = scratch + ((<usize>MC * KC) << 2);
  const panelStride = (<usize>K * NR) << 2;
  if (K == 0) {
    if (!accumulate) {
      for (let m = 0; m < M; m++) memory.fill(C + ((<usize>m * <usize>ldc + <usize>n0) << 2), 0, <usize>(n1 - n0) << 2);
    }
    return;
  }
  for (let jc = n0; jc < n1; jc += NC) {
    const nc = min(NC, n1 - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = min(KC, K - pc);
      const acc = accumulate || pc > 0;
      const bp = Bp + <usize>(jc / NR) * panelStride + ((<usize>pc * NR) << 2);
      for (let ic = 0; ic < M; ic += MC) {
        const mc = min(MC, M - ic);
        packA(mc, kc, A + ((<usize>ic * <usize>rsA + <usize>pc * <usize>csA) << 2), rsA, csA, ap);
        macroKernel(mc, nc, kc, ap, bp, panelStride, C + ((<usize>ic * <usize>ldc + <usize>jc) << 2), ldc, acc, edge);
      }
    }
  }
}

/** Single-threaded C (M,N) (+)= op(A) * op(B); packB needs packedBFloats(K,N), scratch gemmScratchFloats(). */
export function sgemm(M: i32, N: i32, K: i32, A: usize, rsA: i32, csA: i32, B: usize, rsB: i32, csB: i32, C: usize, ldc: i32, accumulate: bool, packBuf: usize, scratch: usize): void {
  packB(K, N, B, rsB, csB, packBuf, 0, (N + NR - 1) / NR);
  gemmPacked(M, 0, N, K, A, rsA, csA, packBuf, C, ldc, accumulate, scratch);
}

// A single row of C: c (1, n0..n1) (+)= a (1,K) * packed B, a matrix-vector product. Bound by reading B
// (a dense layer on one image reads its whole weight matrix for 2 FLOP per weight), so no A packing (a
// quarter-used MR-row panel per KC block and per call) and no C tiles: B's panels stream once, four at a
// time, each a[k] splatted once for all four. Element k of a is at a + k*csA floats. n0 is a multiple of NR.
// Each column is one running sum over k in order, whichever loop computes it, so the result does not depend
// on how columns were shared out between threads.
export function gemvPacked(n0: i32, n1: i32, K: i32, a: usize, csA: i32, Bp: usize, c: usize, accumulate: bool, edge: usize): void {
  const panelStride = (<usize>K * NR) << 2;
  const aStep = <usize>csA << 2;
  let j = n0;
  // four whole panels (32 columns) at a time, a pointer per panel (constant offsets are free in wasm loads)
  for (; j + 4 * NR <= n1; j += 4 * NR) {
    let b0 = Bp + <usize>(j / NR) * panelStride;
    let b1 = b0 + panelStride, b2 = b1 + panelStride, b3 = b2 + panelStride;
    let p0 = f32x4.splat(0), p1 = f32x4.splat(0), q0 = f32x4.splat(0), q1 = f32x4.splat(0);
    let r0 = f32x4.splat(0), r1 = f32x4.splat(0), s0 = f32x4.splat(0), s1 = f32x4.splat(0);
    let ak = a;
    for (let k = 0; k < K; k++) {
      const av = v128.load32_splat(ak);
      p0 = f32x4.add(p0, f32x4.mul(av, v128.load(b0)));
      p1 = f32x4.add(p1, f32x4.mul(av, v128.load(b0, 16)));
      q0 = f32x4.add(q0, f32x4.mul(av, v128.load(b1)));
      q1 = f32x4.add(q1, f32x4.mul(av, v128.load(b1, 16)));
      r0 = f32x4.add(r0, f32x4.mul(av, v128.load(b2)));
      r1 = f32x4.add(r1, f32x4.mul(av, v128.load(b2, 16)));
      s0 = f32x4.add(s0, f32x4.mul(av, v128.load(b3)));
      s1 = f32x4.add(s1, f32x4.mul(av, v128.load(b3, 16)));
      ak += aStep;
      b0 += NR << 2;
      b1 += NR << 2;
      b2 += NR << 2;
      b3 += NR << 2;
    }
    const out = c + (<usize>j << 2);
    if (accumulate) {
      p0 = f32x4.add(v128.load(out), p0); p1 = f32x4.add(v128.load(out, 16), p1);
      q0 = f32x4.add(v128.load(out, 32), q0); q1 = f32x4.add(v128.load(out, 48), q1);
      r0 = f32x4.add(v128.load(out, 64), r0); r1 = f32x4.add(v128.load(out, 80), r1);
      s0 = f32x4.add(v128.load(out, 96), s0); s1 = f32x4.add(v128.load(out, 112), s1);
    }
    v128.store(out, p0); v128.store(out, p1, 16);
    v128.store(out, q0, 32); v128.store(out, q1, 48);
    v128.store(out, r0, 64); v128.store(out, r1, 80);
    v128.store(out, s0, 96); v128.store(out, s1, 112);
  }
  // the rest, one panel at a time (the last one possibly partial: through edge)
  for (; j < n1; j += NR) {
    const nr = min(NR, n1 - j);
    let b = Bp + <usize>(j / NR) * panelStride;
    let p0 = f32x4.splat(0), p1 = f32x4.splat(0);
    let ak = a;
    for (let k = 0; k < K; k++) {
      const av = v128.load32_splat(ak);
      p0 = f32x4.add(p0, f32x4.mul(av, v128.load(b)));
      p1 = f32x4.add(p1, f32x4.mul(av, v128.load(b, 16)));
      ak += aStep;
      b += NR << 2;
    }
    const out = c + (<usize>j << 2);
    if (nr == NR) {
      if (accumulate) {
        p0 = f32x4.add(v128.load(out), p0);
        p1 = f32x4.add(v128.load(out, 16), p1);
      }
      v128.store(out, p0);
      v128.store(out, p1, 16);
    } else {
      v128.store(edge, p0);
      v128.store(edge, p1, 16);
      for (let q = 0; q < nr; q++) {
        const v = load<f32>(edge + (<usize>q << 2));
        const o = out + (<usize>q << 2);
        store<f32>(o, accumulate ? load<f32>(o) + v : v);
      }
    }
  }
}
