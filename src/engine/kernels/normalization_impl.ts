// Batch normalisation's kernels in wasm (asm/normalization.ts) on (rows, C) views of NHWC tensors: per-channel
// means, a (C) vector repeated down the rows, the normalisation, its gradient's per-channel sums, and for
// BatchNormTraining.ts the one-pass moments and the one-pass input gradient through them. Reductions
// are summed in SHARES fixed row ranges (whatever the thread count), so 1 and 2 threads give the same bits.
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import {
  TASK_BATCH_NORM, TASK_BATCH_NORM_GRAD_INPUT, TASK_BATCH_NORM_GRAD_SUMS, TASK_MEAN_LEADING, TASK_MOMENTS, TASK_REPEAT_ROWS, allocOutput, engineRuntime, f32Bits,
  inputOffset, runEngineTask,
} from '../runtime.ts';
import type { EngineRuntime } from '../runtime.ts';

const SHARES = 8;
// Threads take about CHUNK floats at a time; below MIN_PARALLEL_FLOATS one thread streams faster than two wake up.
const CHUNK = 16384;
const MIN_PARALLEL_FLOATS = 1 << 17;
const threadsFor = (rt: EngineRuntime, n: number) => (n >= MIN_PARALLEL_FLOATS ? rt.pool.size : 1);
const chunkRows = (inner: number) => Math.max(1, Math.round(CHUNK / inner));

/** out (inner) = mean over the rows of x (outer,inner), as tfjs cpu's Mean: each x / outer in f32, summed in f64. */
export function engineMeanLeading(x: Float32Array, outer: number, inner: number): Float32Array {
  const rt = engineRuntime();
  rt.arena.reset();
  const xPtr = inputOffset(rt, x);
  const result = allocOutput(rt, inner);
  const acc = rt.arena.alloc(SHARES * inner * 8);
  runEngineTask(rt, TASK_MEAN_LEADING, [xPtr, outer, inner, f32Bits(outer), acc, SHARES], threadsFor(rt, x.length));
  rt.exports.reduceShares(acc, SHARES, inner, result.ptr);
  const out = result.values();
  rt.arena.reset();
  return out;
}

/** out (rows,inner) = x (inner) on every row. */
export function engineRepeatRows(x: Float32Array, rows: number): Float32Array {
  const rt = engineRuntime();
  rt.arena.reset();
  const xPtr = inputOffset(rt, x);
  const n = rows * x.length;
  const result = allocOutput(rt, n);
  runEngineTask(rt, TASK_REPEAT_ROWS, [xPtr, x.length, result.ptr, rows, chunkRows(x.length)], threadsFor(rt, n));
  const out = result.values();
  rt.arena.reset();
  return out;
}

/** Copies `values` (C floats) into the arena; returns its offset. */
function channelVector(rt: EngineRuntime, values: Float64Array): number {
  const ptr = rt.arena.alloc(values.length * 4);
  rt.arena.f32(ptr, values.length).set(values);
  return ptr;
}

/**
 * y (rows,C) = (x - mean) * factor + offset per channel, factor = scale / sqrt(variance + epsilon) (given per
 * channel, computed by the caller in f64).
 */
export function engineBatchNorm(x: Float32Array, C: number, mean: Float64Array, factor: Float64Array, offset: Float64Array): Float32Array {
  const rt = engineRuntime();
  rt.arena.reset();
  const xPtr = inputOffset(rt, x);
  const result = allocOutput(rt, x.length);
  const meanPtr = channelVector(rt, mean), factorPtr = channelVector(rt, factor), offsetPtr = channelVector(rt, offset);
  const rows = x.length / C;
  runEngineTask(rt, TASK_BATCH_NORM, [xPtr, meanPtr, factorPtr, offsetPtr, result.ptr, C, rows, chunkRows(C)], threadsFor(rt, x.length));
  const out = result.values();
  rt.arena.reset();
  return out;
}

/** Batch normalisation's gradient sums (2,C): [sum of dy, sum of dy * (x - mean)] per channel, over the rows of x, dy (rows,C). */
export function engineBatchNormGradSums(x: Float32Array, dy: Float32Array, C: number, mean: Float64Array): Float32Array {
  const rt = engineRuntime();
  rt.arena.reset();
  const xPtr = inputOffset(rt, x);
  const dyPtr = inputOffset(rt, dy);
  const meanPtr = channelVector(rt, mean);
  const acc = rt.arena.alloc(SHARES * 2 * C * 8);
  const result = allocOutput(rt, 2 * C);
  runEngineTask(rt, TASK_BATCH_NORM_GRAD_SUMS, [xPtr, dyPtr, meanPtr, x.length / C, C, acc, SHARES], threadsFor(rt, x.length));
  rt.exports.reduceShares(acc, SHARES, 2 * C, result.ptr);
  const out = result.values();
  rt.arena.reset();
  return out;
}

/**
 * Per-channel mean and (biased) variance of x (rows,C) in one pass: f64 sums of x and of x^2 per share (asm
 * momentsShare), added in share order here, so E[x^2] - E[x]^2 cancels in f64, not f32.
 */
export function engineMoments(x: Float32Array, C: number): { mean: Float64Array; variance: Float64Array } {
  const rt = engineRuntime();
  rt.arena.reset();
  const xPtr = inputOffset(rt, x);
  const acc = rt.arena.alloc(SHARES * 2 * C * 8);
  const rows = x.length / C;
  runEngineTask(rt, TASK_MOMENTS, [xPtr, rows, C, acc, SHARES], threadsFor(rt, x.length));
  const sums = rt.arena.f64(acc, SHARES * 2 * C);
  const mean = new Float64Array(C), variance = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    let s1 = 0, s2 = 0;
    for (let k = 0; k < SHARES; k++) {
      s1 += sums[k * 2 * C + c];
      s2 += sums[k * 2 * C + C + c];
    }
    mean[c] = s1 / rows;
    variance[c] = Math.max(0, s2 / rows - mean[c] * mean[c]);
  }
  rt.arena.reset();
  return { mean, variance };
}

/**
 * Batch normalisation's input gradient through the batch's own moments: dx (rows,C) = a * dy + b * (x - mean) + d
 * per channel (asm batchNormGradInputRows says what a, b and d are).
 */
export function engineBatchNormGradInput(
  x: Float32Array, dy: Float32Array, C: number, mean: Float64Array, a: Float64Array, b: Float64Array, d: Float64Array,
): Float32Array {
  const rt = engineRuntime();
  rt.arena.reset();
  const xPtr = inputOffset(rt, x);
  const dyPtr = inputOffset(rt, dy);
  const result = allocOutput(rt, x.length);
  const [meanPtr, aPtr, bPtr, dPtr] = [mean, a, b, d].map((v) => channelVector(rt, v));
  const rows = x.length / C;
  runEngineTask(rt, TASK_BATCH_NORM_GRAD_INPUT, [xPtr, dyPtr, meanPtr, aPtr, bPtr, dPtr, result.ptr, C, rows, chunkRows(C)], threadsFor(rt, x.length));
  const out = result.values();
  rt.arena.reset();
  return out;
}
