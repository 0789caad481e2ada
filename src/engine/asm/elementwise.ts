// Element-wise kernels on f32 arrays, four lanes at a time: binary ops with the broadcasts a training step
// uses (same shape, a scalar, a bias repeating over leading axes), relu and its gradient (alone, or with a bias's), dropout, step, sqrt, and sums
// over leading axes (bias gradients), floor (dropout masks). Memory-bound: one pass over the inputs, one over the output.

export const OP_ADD: i32 = 0;
export const OP_SUB: i32 = 1;
export const OP_MUL: i32 = 2;
export const OP_DIV: i32 = 3;
export const OP_MUL_TWICE: i32 = 4; // a * (b * 2): Square's gradient dy * 2x, as tfjs computes it

// How b lines up with a (kernels/broadcast_impl.ts's Layout)
const LAYOUT_SAME: i32 = 0;
const LAYOUT_SCALAR_A: i32 = 1;
const LAYOUT_SCALAR_B: i32 = 2;
const LAYOUT_REPEAT_A: i32 = 3; // a (inner) repeats over b's leading axes
const LAYOUT_REPEAT_B: i32 = 4; // b (inner) repeats over a's leading axes

// The op is loop-invariant: the branch is predicted perfectly and costs nothing next to the memory traffic.
// @ts-ignore: decorator
@inline function apply4(op: i32, x: v128, y: v128): v128 {
  if (op == OP_ADD) return f32x4.add(x, y);
  if (op == OP_SUB) return f32x4.sub(x, y);
  if (op == OP_MUL) return f32x4.mul(x, y);
  if (op == OP_MUL_TWICE) return f32x4.mul(x, f32x4.add(y, y));
  return f32x4.div(x, y);
}

// @ts-ignore: decorator
@inline function apply1(op: i32, x: f32, y: f32): f32 {
  if (op == OP_ADD) return x + y;
  if (op == OP_SUB) return x - y;
  if (op == OP_MUL) return x * y;
  if (op == OP_MUL_TWICE) return x * (y + y);
  return x / y;
}

// out (n) = a (n) op b (n)
function binarySame(op: i32, a: usize, b: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, apply4(op, v128.load(a + o), v128.load(b + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, apply1(op, load<f32>(a + o), load<f32>(b + o)));
  }
}

// out (n) = a (n) op s, or s op a (n) when scalarFirst
function binaryScalar(op: i32, a: usize, s: f32, scalarFirst: bool, out: usize, n: i32): void {
  const sv = f32x4.splat(s);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(a + o);
    v128.store(out + o, scalarFirst ? apply4(op, sv, v) : apply4(op, v, sv));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(a + o);
    store<f32>(out + o, scalarFirst ? apply1(op, s, v) : apply1(op, v, s));
  }
}

// out (rows,inner) = a (rows,inner) op b (inner), or b op a when repeatFirst (a bias add and its kin)
function binaryRepeat(op: i32, a: usize, b: usize, repeatFirst: bool, out: usize, n: i32, inner: i32): void {
  for (let row = 0; row < n; row += inner) {
    const ar = a + (<usize>row << 2), orow = out + (<usize>row << 2);
    let j = 0;
    for (; j + 4 <= inner; j += 4) {
      const o = <usize>j << 2;
      const v = v128.load(ar + o), r = v128.load(b + o);
      v128.store(orow + o, repeatFirst ? apply4(op, r, v) : apply4(op, v, r));
    }
    for (; j < inner; j++) {
      const o = <usize>j << 2;
      const v = load<f32>(ar + o), r = load<f32>(b + o);
      store<f32>(orow + o, repeatFirst ? apply1(op, r, v) : apply1(op, v, r));
    }
  }
}

/**
 * out[i0, i1) = a op b in the given layout; inner is the repeating operand's length for the repeat layouts
 * (i0 and i1 then multiples of it).
 */
export function binaryRange(op: i32, layout: i32, a: usize, b: usize, out: usize, i0: i32, i1: i32, inner: i32): void {
  const o = <usize>i0 << 2, n = i1 - i0;
  if (layout == LAYOUT_SAME) binarySame(op, a + o, b + o, out + o, n);
  else if (layout == LAYOUT_SCALAR_B) binaryScalar(op, a + o, load<f32>(b), false, out + o, n);
  else if (layout == LAYOUT_SCALAR_A) binaryScalar(op, b + o, load<f32>(a), true, out + o, n);
  else if (layout == LAYOUT_REPEAT_B) binaryRepeat(op, a + o, b, false, out + o, n, inner);
  else if (layout == LAYOUT_REPEAT_A) binaryRepeat(op, b + o, a, true, out + o, n, inner);
}

export const UNARY_RELU: i32 = 0; // max(x, 0), NaN stays NaN
export const UNARY_STEP: i32 = 1; // x > 0 ? 1 : 0, NaN stays NaN (tfjs step with alpha 0: relu's gradient)
export const UNARY_SQRT: i32 = 2;
export const UNARY_FLOOR: i32 = 3;
export const UNARY_SQUARE: i32 = 4; // x * x (moments' squared deviations)

// @ts-ignore: decorator
@inline function unary4(op: i32, x: v128): v128 {
  if (op == UNARY_RELU) return f32x4.max(x, f32x4.splat(0)); // wasm max propagates NaN
  if (op == UNARY_STEP) {
    const one = v128.and(f32x4.gt(x, f32x4.splat(0)), f32x4.splat(1));
    return v128.bitselect(x, one, f32x4.ne(x, x)); // a NaN lane keeps x
  }
  if (op == UNARY_SQRT) return f32x4.sqrt(x);
  if (op == UNARY_SQUARE) return f32x4.mul(x, x);
  return f32x4.floor(x);
}

// @ts-ignore: decorator
@inline function unary1(op: i32, x: f32): f32 {
  if (op == UNARY_RELU) return x != x ? x : x > 0 ? x : 0;
  if (op == UNARY_STEP) return x != x ? x : x > 0 ? <f32>1 : <f32>0;
  if (op == UNARY_SQRT) return sqrt<f32>(x);
  if (op == UNARY_SQUARE) return x * x;
  return floor<f32>(x);
}

/** out[i0, i1) = op(x[i0, i1)). */
export function unaryRange(op: i32, x: usize, out: usize, i0: i32, n: i32): void {
  let i = i0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, unary4(op, v128.load(x + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, unary1(op, load<f32>(x + o)));
  }
}

/**
 * dx[i0, n) = x > 0 ? dy : 0 (NaN where x is NaN): relu's gradient in one pass, where tfjs multiplies dy by
 * step(x) (two passes and a temporary). Differs from that only where dy is infinite or NaN and x <= 0.
 */
export function reluGradRange(dy: usize, x: usize, dx: usize, i0: i32, n: i32): void {
  const zero = f32x4.splat(0);
  let i = i0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const xv = v128.load(x + o);
    const kept = v128.and(v128.load(dy + o), f32x4.gt(xv, zero));
    v128.store(dx + o, v128.bitselect(xv, kept, f32x4.ne(xv, xv)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const xs = load<f32>(x + o);
    store<f32>(dx + o, xs != xs ? xs : xs > 0 ? load<f32>(dy + o) : 0);
  }
}

/**
 * Share `share` of `shares` of a conv layer's relu and bias gradients in one pass: out rows = y > 0 ? dy : 0
 * (NaN where y is NaN), as reluGradRange, from the relu's output y (> 0 exactly where its input is), and
 * acc (C) f64 = the sum of those over the share's rows of (rows,C): the bias's gradient, a pass saved.
 */
export function reluGradBiasShare(dy: usize, y: usize, out: usize, rows: i32, C: i32, acc: usize, share: i32, shares: i32): void {
  const r0 = <i32>((<i64>rows * share) / shares), r1 = <i32>((<i64>rows * (share + 1)) / shares);
  memory.fill(acc, 0, <usize>C << 3);
  const zero = f32x4.splat(0);
  for (let r = r0; r < r1; r++) {
    const o = (<usize>r * <usize>C) << 2;
    let j = 0;
    for (; j + 4 <= C; j += 4) {
      const c = o + (<usize>j << 2);
      const yv = v128.load(y + c);
      const kept = v128.and(v128.load(dy + c), f32x4.gt(yv, zero));
      const g = v128.bitselect(yv, kept, f32x4.ne(yv, yv));
      v128.store(out + c, g);
      const p = acc + (<usize>j << 3);
      v128.store(p, f64x2.add(v128.load(p), f64x2.promote_low_f32x4(g)));
      v128.store(p, f64x2.add(v128.load(p, 16), f64x2.promote_low_f32x4(v128.shuffle<f32>(g, g, 2, 3, 0, 1))), 16);
    }
    for (; j < C; j++) {
      const c = o + (<usize>j << 2);
      const ys = load<f32>(y + c);
      const g: f32 = ys != ys ? ys : ys > 0 ? load<f32>(dy + c) : 0;
      store<f32>(out + c, g);
      const p = acc + (<usize>j << 3);
      store<f64>(p, load<f64>(p) + <f64>g);
    }
  }
}

// @ts-ignore: decorator
@inline function lowbias32(v: v128): v128 {
  // Chris Wellons's lowbias32 integer hash, four lanes at a time
  v = v128.xor(v, i32x4.shr_u(v, 16));
  v = i32x4.mul(v, i32x4.splat(0x7feb352d));
  v = v128.xor(v, i32x4.shr_u(v, 15));
  v = i32x4.mul(v, i32x4.splat(0x846ca68b));
  return v128.xor(v, i32x4.shr_u(v, 16));
}

/**
 * out[i0, n) = x * (scale where hash(key, i) < keep as an unsigned threshold, else 0): dropout whose mask is drawn
 * from each element's index, so threads draw their own ranges and the gradient (the same pass over dy, same key)
 * draws the same mask again. A NaN x stays NaN, as in tfjs's x * multiplier.
 */
export function dropoutRange(x: usize, out: usize, i0: i32, n: i32, key: i32, keep: i32, scale: f32): void {
  const golden = i32x4.splat(<i32>0x9e3779b9), k = i32x4.splat(key), threshold = i32x4.splat(keep), s = f32x4.splat(scale);
  let i = i0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const index = i32x4.add(i32x4.splat(i), i32x4(0, 1, 2, 3));
    const kept = i32x4.lt_u(lowbias32(v128.xor(i32x4.mul(index, golden), k)), threshold);
    v128.store(out + o, f32x4.mul(v128.load(x + o), v128.and(s, kept)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const kept = i32x4.extract_lane(i32x4.lt_u(lowbias32(v128.xor(i32x4.mul(i32x4.splat(i), golden), k)), threshold), 0);
    store<f32>(out + o, load<f32>(x + o) * (kept != 0 ? scale : 0));
  }
}

/**
 * out (inner) = sum over rows of x (outer,inner), summed in f64 row by row (as tfjs cpu sums in doubles in
 * the same order, so results match it exactly). acc is scratch for inner f64s.
 */
export function sumLeading(x: usize, outer: i32, inner: i32, out: usize, acc: usize): void {
  memory.fill(acc, 0, <usize>inner << 3);
  for (let r = 0; r < outer; r++) {
    const row = x + ((<usize>r * <usize>inner) << 2);
    let j = 0;
    for (; j + 4 <= inner; j += 4) {
      const v = v128.load(row + (<usize>j << 2));
      const lo = f64x2.promote_low_f32x4(v);
      const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
      const p = acc + (<usize>j << 3);
      v128.store(p, f64x2.add(v128.load(p), lo));
      v128.store(p, f64x2.add(v128.load(p, 16), hi), 16);
    }
    for (; j < inner; j++) {
      const p = acc + (<usize>j << 3);
      store<f64>(p, load<f64>(p) + <f64>load<f32>(row + (<usize>j << 2)));
    }
  }
  for (let j = 0; j < inner; j++) store<f32>(out + (<usize>j << 2), <f32>load<f64>(acc + (<usize>j << 3)));
}
