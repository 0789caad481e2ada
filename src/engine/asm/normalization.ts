// Batch normalisation's kernels on NHWC activations seen as (rows, C): per-channel means over the leading
// axes (tfjs's moments), the broadcast of a (C) vector to every row (Tile in the gradient), the per-channel
// normalisation itself, the two per-channel sums its gradient needs, and for training as one operation the
// moments in one pass and the input gradient through them. Memory-bound: one pass each.
// Reductions run in a fixed number of shares of contiguous rows, each with its own f64 accumulators, added
// in share order at the end: the same bits on any thread count.

/**
 * Share `share` of `shares`: acc (inner) f64 = sum over its rows of x (outer,inner) / divisor, each term
 * divided in f32 first as tfjs cpu's Mean does (div, then an f64 sum), so results match it.
 */
export function meanLeadingShare(x: usize, outer: i32, inner: i32, divisor: f32, acc: usize, share: i32, shares: i32): void {
  const r0 = <i32>((<i64>outer * share) / shares), r1 = <i32>((<i64>outer * (share + 1)) / shares);
  memory.fill(acc, 0, <usize>inner << 3);
  const d = f32x4.splat(divisor);
  for (let r = r0; r < r1; r++) {
    const row = x + ((<usize>r * <usize>inner) << 2);
    let j = 0;
    for (; j + 4 <= inner; j += 4) {
      const v = f32x4.div(v128.load(row + (<usize>j << 2)), d);
      const p = acc + (<usize>j << 3);
      v128.store(p, f64x2.add(v128.load(p), f64x2.promote_low_f32x4(v)));
      v128.store(p, f64x2.add(v128.load(p, 16), f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1))), 16);
    }
    for (; j < inner; j++) {
      const p = acc + (<usize>j << 3);
      store<f64>(p, load<f64>(p) + <f64>(load<f32>(row + (<usize>j << 2)) / divisor));
    }
  }
}

/** out (inner) f32 = sum over shares of acc (shares,inner) f64, in share order. */
export function reduceShares(acc: usize, shares: i32, inner: i32, out: usize): void {
  for (let j = 0; j < inner; j++) {
    let s: f64 = 0;
    for (let k = 0; k < shares; k++) s += load<f64>(acc + ((<usize>k * <usize>inner + <usize>j) << 3));
    store<f32>(out + (<usize>j << 2), <f32>s);
  }
}

/** out rows [r0, r1) of (rows,inner) = x (inner): a vector repeated down the rows (Tile of a (1,..,1,C)). */
export function repeatRows(x: usize, inner: i32, out: usize, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    const row = out + ((<usize>r * <usize>inner) << 2);
    let j = 0;
    for (; j + 4 <= inner; j += 4) v128.store(row + (<usize>j << 2), v128.load(x + (<usize>j << 2)));
    for (; j < inner; j++) store<f32>(row + (<usize>j << 2), load<f32>(x + (<usize>j << 2)));
  }
}

/**
 * out rows [r0, r1) of (rows,C) = (x - mean) * factor + offset, per channel: batch normalisation with
 * factor = scale / sqrt(variance + epsilon) computed once per channel by the caller.
 */
export function batchNormRows(x: usize, mean: usize, factor: usize, offset: usize, out: usize, C: i32, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    const o = (<usize>r * <usize>C) << 2;
    const xr = x + o, yr = out + o;
    let j = 0;
    for (; j + 4 <= C; j += 4) {
      const c = <usize>j << 2;
      const v = f32x4.mul(f32x4.sub(v128.load(xr + c), v128.load(mean + c)), v128.load(factor + c));
      v128.store(yr + c, f32x4.add(v, v128.load(offset + c)));
    }
    for (; j < C; j++) {
      const c = <usize>j << 2;
      store<f32>(yr + c, (load<f32>(xr + c) - load<f32>(mean + c)) * load<f32>(factor + c) + load<f32>(offset + c));
    }
  }
}

/**
 * Share `share` of `shares` of batch normalisation's gradient sums, per channel, in f64:
 * acc (2,C) = [sum of dy, sum of dy * (x - mean)] over its rows of x, dy (rows,C).
 */
export function batchNormGradShare(x: usize, dy: usize, mean: usize, rows: i32, C: i32, acc: usize, share: i32, shares: i32): void {
  const r0 = <i32>((<i64>rows * share) / shares), r1 = <i32>((<i64>rows * (share + 1)) / shares);
  memory.fill(acc, 0, <usize>C << 4);
  const accXm = acc + (<usize>C << 3);
  for (let r = r0; r < r1; r++) {
    const o = (<usize>r * <usize>C) << 2;
    let j = 0;
    for (; j + 4 <= C; j += 4) {
      const c = <usize>j << 2;
      const g = v128.load(dy + o + c);
      const gx = f32x4.mul(g, f32x4.sub(v128.load(x + o + c), v128.load(mean + c)));
      const p = acc + (<usize>j << 3), q = accXm + (<usize>j << 3);
      v128.store(p, f64x2.add(v128.load(p), f64x2.promote_low_f32x4(g)));
      v128.store(p, f64x2.add(v128.load(p, 16), f64x2.promote_low_f32x4(v128.shuffle<f32>(g, g, 2, 3, 0, 1))), 16);
      v128.store(q, f64x2.add(v128.load(q), f64x2.promote_low_f32x4(gx)));
      v128.store(q, f64x2.add(v128.load(q, 16), f64x2.promote_low_f32x4(v128.shuffle<f32>(gx, gx, 2, 3, 0, 1))), 16);
    }
    for (; j < C; j++) {
      const c = <usize>j << 2;
      const g = load<f32>(dy + o + c);
      const p = acc + (<usize>j << 3), q = accXm + (<usize>j << 3);
      store<f64>(p, load<f64>(p) + <f64>g);
      store<f64>(q, load<f64>(q) + <f64>(g * (load<f32>(x + o + c) - load<f32>(mean + c))));
    }
  }
}

/**
 * out rows [r0, r1) of (rows,C) = a * dy + b * (x - mean) + d, per channel: batch normalisation's input
 * gradient through the batch's own mean and variance, in one pass. With inv = 1/sqrt(variance + epsilon),
 * N rows and the sums S1 = sum of dy, S2 = sum of dy * (x - mean): a = scale * inv,
 * b = -scale * inv^3 * S2 / N, d = -scale * inv * S1 / N (computed once per channel by the caller).
 */
export function batchNormGradInputRows(x: usize, dy: usize, mean: usize, a: usize, b: usize, d: usize, out: usize, C: i32, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    const o = (<usize>r * <usize>C) << 2;
    const xr = x + o, gr = dy + o, yr = out + o;
    let j = 0;
    for (; j + 4 <= C; j += 4) {
      const c = <usize>j << 2;
      const centred = f32x4.sub(v128.load(xr + c), v128.load(mean + c));
      const v = f32x4.add(f32x4.mul(v128.load(gr + c), v128.load(a + c)), f32x4.mul(centred, v128.load(b + c)));
      v128.store(yr + c, f32x4.add(v, v128.load(d + c)));
    }
    for (; j < C; j++) {
      const c = <usize>j << 2;
      const centred = load<f32>(xr + c) - load<f32>(mean + c);
      store<f32>(yr + c, load<f32>(gr + c) * load<f32>(a + c) + centred * load<f32>(b + c) + load<f32>(d + c));
    }
  }
}

/**
 * Share `share` of `shares` of the per-channel moments' sums, in f64: acc (2,C) = [sum of x, sum of x^2] over
 * its rows of x (rows,C). Each x is promoted before it is squared, so the squares are exact and the variance
 * E[x^2] - E[x]^2 loses only f64 digits to cancellation.
 */
export function momentsShare(x: usize, rows: i32, C: i32, acc: usize, share: i32, shares: i32): void {
  const r0 = <i32>((<i64>rows * share) / shares), r1 = <i32>((<i64>rows * (share + 1)) / shares);
  memory.fill(acc, 0, <usize>C << 4);
  const accSq = acc + (<usize>C << 3);
  for (let r = r0; r < r1; r++) {
    const o = x + ((<usize>r * <usize>C) << 2);
    let j = 0;
    for (; j + 4 <= C; j += 4) {
      const v = v128.load(o + (<usize>j << 2));
      const lo = f64x2.promote_low_f32x4(v), hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
      const p = acc + (<usize>j << 3), q = accSq + (<usize>j << 3);
      v128.store(p, f64x2.add(v128.load(p), lo));
      v128.store(p, f64x2.add(v128.load(p, 16), hi), 16);
      v128.store(q, f64x2.add(v128.load(q), f64x2.mul(lo, lo)));
      v128.store(q, f64x2.add(v128.load(q, 16), f64x2.mul(hi, hi)), 16);
    }
    for (; j < C; j++) {
      const v = <f64>load<f32>(o + (<usize>j << 2));
      const p = acc + (<usize>j << 3), q = accSq + (<usize>j << 3);
      store<f64>(p, load<f64>(p) + v);
      store<f64>(q, load<f64>(q) + v * v);
    }
  }
}
