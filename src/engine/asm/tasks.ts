// The thread pool's entry point: every thread (the caller as thread 0, workers as 1..threads-1) calls
// runTask on the same task record and takes work units from it until none are left.
// A task record is i32 words: kind, the shared unit counter (starts at 0), then the kind's arguments.
import { MC, MR, NC, NR, gemmPacked, gemvPacked, packB } from './gemm';
import { conv2dBackpropFilter, conv2dBackpropInput, conv2dForward, conv2dForwardOneChannel } from './conv';
import { maxPoolBackward, maxPoolForward } from './pool';
import { adadeltaRange, adamRange } from './optimizers';
import { binaryRange, dropoutRange, reluGradBiasShare, reluGradRange, unaryRange } from './elementwise';
import { winogradBackpropFilter, winogradConvForward } from './winograd';
import { winograd4ConvForward } from './winograd4';
import { batchNormGradInputRows, batchNormGradShare, batchNormRows, meanLeadingShare, momentsShare, repeatRows } from './normalization';

export const TASK_GEMM = 1; // M N K A rsA csA Bp C ldc accumulate scratchBase scratchStride chunk splitColumns
export const TASK_PACK_B = 2; // K N B rsB csB dst
export const TASK_CONV_FORWARD = 3; // geom x Wp bias activation y tileP scratchBase scratchStride
export const TASK_CONV_BACKPROP_FILTER = 4; // geom x dy dW tileP scratchBase scratchStride shares
export const TASK_CONV_BACKPROP_INPUT = 5; // geom dy Wtp dx tileP scratchBase scratchStride
export const TASK_MAX_POOL = 6; // geom x y
export const TASK_MAX_POOL_GRAD = 7; // geom x dy dx
export const TASK_ADAM = 8; // g w m v mOut vOut wOut n chunk, then f32 bits: beta1 beta2 1-beta1 1-beta2 -lr eps c1 c2
export const TASK_ADADELTA = 9; // g w accGrad accUpdate accGradOut accUpdateOut wOut n chunk, then f32 bits: rho 1-rho eps -lr, then keras (0/1)
export const TASK_BINARY = 10; // op layout a b out n inner chunk
export const TASK_UNARY = 11; // op x out n chunk
export const TASK_RELU_GRAD = 12; // dy x dx n chunk
export const TASK_WINOGRAD_FORWARD = 13; // geom x Up bias activation y T scratchBase scratchStride
export const TASK_CONV_FORWARD_ONE_CHANNEL = 14; // geom x filter bias activation y unitP
export const TASK_WINOGRAD_BACKPROP_FILTER = 15; // geom x dy T scratchBase scratchStride shares
export const TASK_MEAN_LEADING = 16; // x outer inner divisor(f32 bits) accBase shares: a unit is a share, acc (shares,inner) f64
export const TASK_REPEAT_ROWS = 17; // x inner out rows chunkRows
export const TASK_BATCH_NORM = 18; // x mean factor offset out C rows chunkRows
export const TASK_BATCH_NORM_GRAD_SUMS = 19; // x dy mean rows C accBase shares: a unit is a share, acc (shares,2,C) f64
export const TASK_WINOGRAD4_FORWARD = 20; // geom x Up bias activation y T scratchBase scratchStride
export const TASK_BATCH_NORM_GRAD_INPUT = 21; // x dy mean a b d out C rows chunkRows
export const TASK_MOMENTS = 22; // x rows C accBase shares: a unit is a share, acc (shares,2,C) f64
export const TASK_RELU_GRAD_BIAS = 23; // dy y out rows C accBase shares: a unit is a share, acc (shares,C) f64
export const TASK_DROPOUT = 24; // x out n chunk key keep(u32 bits) scale(f32 bits)
// kinds 100+ are free for other kernels (add a case below)

const COUNTER: usize = 4; // byte offset of the unit counter in a task record

// @ts-ignore: decorator
@inline function arg(task: usize, i: i32): i32 {
  return load<i32>(task + (<usize>(i + 2) << 2)); // arguments start after kind and counter
}

// @ts-ignore: decorator
@inline function argF32(task: usize, i: i32): f32 {
  return reinterpret<f32>(arg(task, i));
}

// @ts-ignore: decorator
@inline function nextUnit(task: usize): i32 {
  return atomic.add<i32>(task + COUNTER, 1);
}

/** Whether a threaded GEMM shares out column ranges (wide C) rather than row ranges. */
export function gemmSplitsColumns(M: i32, N: i32): bool {
  return (N + NR - 1) / NR > (M + MR - 1) / MR;
}

/** Rows (or columns) per GEMM work unit: about 4 units per thread, in whole register tiles, at most one block. */
export function gemmChunk(M: i32, N: i32, threads: i32): i32 {
  const splitColumns = gemmSplitsColumns(M, N);
  const tile = splitColumns ? NR : MR;
  const extent = splitColumns ? N : M;
  const cap = splitColumns ? NC : MC;
  const units = threads * 4;
  return min(cap, max(tile, (((extent + units - 1) / units + tile - 1) / tile) * tile));
}

export function runTask(task: usize, thread: i32, threads: i32): void {
  const kind = load<i32>(task);
  if (kind == TASK_GEMM) {
    const M = arg(task, 0), N = arg(task, 1), K = arg(task, 2);
    const A = <usize>arg(task, 3), rsA = arg(task, 4), csA = arg(task, 5);
    const Bp = <usize>arg(task, 6), C = <usize>arg(task, 7), ldc = arg(task, 8), accumulate = arg(task, 9) != 0;
    const scratch = <usize>arg(task, 10) + <usize>thread * <usize>arg(task, 11);
    const chunk = arg(task, 12), splitColumns = arg(task, 13) != 0;
    if (splitColumns && M == 1) {
      // one row (a dense layer on one image): a matrix-vector product streaming B
      for (let n0 = nextUnit(task) * chunk; n0 < N; n0 = nextUnit(task) * chunk) {
        gemvPacked(n0, min(N, n0 + chunk), K, A, csA, Bp, C, accumulate, scratch);
      }
    } else if (splitColumns) {
      for (let n0 = nextUnit(task) * chunk; n0 < N; n0 = nextUnit(task) * chunk) {
        gemmPacked(M, n0, min(N, n0 + chunk), K, A, rsA, csA, Bp, C, ldc, accumulate, scratch);
      }
    } else {
      for (let m0 = nextUnit(task) * chunk; m0 < M; m0 = nextUnit(task) * chunk) {
        gemmPacked(min(chunk, M - m0), 0, N, K, A + ((<usize>m0 * <usize>rsA) << 2), rsA, csA, Bp, C + ((<usize>m0 * <usize>ldc) << 2), ldc, accumulate, scratch);
      }
    }
  } else if (kind == TASK_PACK_B) {
    const K = arg(task, 0), N = arg(task, 1);
    const panels = (N + NR - 1) / NR;
    const chunk = max(1, panels / (threads * 4));
    for (let p = nextUnit(task) * chunk; p < panels; p = nextUnit(task) * chunk) {
      packB(K, N, <usize>arg(task, 2), arg(task, 3), arg(task, 4), <usize>arg(task, 5), p, p + chunk);
    }
  } else if (kind == TASK_CONV_FORWARD) {
    const scratch = <usize>arg(task, 7) + <usize>thread * <usize>arg(task, 8);
    conv2dForward(<usize>arg(task, 0), <usize>arg(task, 1), <usize>arg(task, 2), <usize>arg(task, 3), arg(task, 4), <usize>arg(task, 5), arg(task, 6), scratch, task + COUNTER);
  } else if (kind == TASK_CONV_BACKPROP_FILTER) {
    // units are whole shares (a fixed count, whatever the threads), each with its own scratch: see conv2dBackpropFilter
    conv2dBackpropFilter(<usize>arg(task, 0), <usize>arg(task, 1), <usize>arg(task, 2), <usize>arg(task, 3), arg(task, 4), <usize>arg(task, 5), <usize>arg(task, 6), arg(task, 7), task + COUNTER);
  } else if (kind == TASK_CONV_BACKPROP_INPUT) {
    const scratch = <usize>arg(task, 5) + <usize>thread * <usize>arg(task, 6);
    conv2dBackpropInput(<usize>arg(task, 0), <usize>arg(task, 1), <usize>arg(task, 2), <usize>arg(task, 3), arg(task, 4), scratch, task + COUNTER);
  } else if (kind == TASK_WINOGRAD_FORWARD) {
    const scratch = <usize>arg(task, 7) + <usize>thread * <usize>arg(task, 8);
    winogradConvForward(<usize>arg(task, 0), <usize>arg(task, 1), <usize>arg(task, 2), <usize>arg(task, 3), arg(task, 4), <usize>arg(task, 5), arg(task, 6), scratch, task + COUNTER);
  } else if (kind == TASK_WINOGRAD4_FORWARD) {
    const scratch = <usize>arg(task, 7) + <usize>thread * <usize>arg(task, 8);
    winograd4ConvForward(<usize>arg(task, 0), <usize>arg(task, 1), <usize>arg(task, 2), <usize>arg(task, 3), arg(task, 4), <usize>arg(task, 5), arg(task, 6), scratch, task + COUNTER);
  } else if (kind == TASK_WINOGRAD_BACKPROP_FILTER) {
    // units are whole shares, each with its own scratch: see winogradBackpropFilter
    winogradBackpropFilter(<usize>arg(task, 0), <usize>arg(task, 1), <usize>arg(task, 2), arg(task, 3), <usize>arg(task, 4), <usize>arg(task, 5), arg(task, 6), task + COUNTER);
  } else if (kind == TASK_CONV_FORWARD_ONE_CHANNEL) {
    conv2dForwardOneChannel(<usize>arg(task, 0), <usize>arg(task, 1), <usize>arg(task, 2), <usize>arg(task, 3), arg(task, 4), <usize>arg(task, 5), arg(task, 6), task + COUNTER);
  } else if (kind == TASK_MAX_POOL) {
    maxPoolForward(<usize>arg(task, 0), <usize>arg(task, 1), <usize>arg(task, 2), task + COUNTER);
  } else if (kind == TASK_MAX_POOL_GRAD) {
    maxPoolBackward(<usize>arg(task, 0), <usize>arg(task, 1), <usize>arg(task, 2), <usize>arg(task, 3), task + COUNTER);
  } else if (kind == TASK_BINARY) {
    const n = arg(task, 5), chunk = arg(task, 7);
    for (let i = nextUnit(task) * chunk; i < n; i = nextUnit(task) * chunk) {
      binaryRange(arg(task, 0), arg(task, 1), <usize>arg(task, 2), <usize>arg(task, 3), <usize>arg(task, 4), i, min(n, i + chunk), arg(task, 6));
    }
  } else if (kind == TASK_UNARY) {
    const n = arg(task, 3), chunk = arg(task, 4);
    for (let i = nextUnit(task) * chunk; i < n; i = nextUnit(task) * chunk) {
      unaryRange(arg(task, 0), <usize>arg(task, 1), <usize>arg(task, 2), i, min(n, i + chunk));
    }
  } else if (kind == TASK_RELU_GRAD) {
    const n = arg(task, 3), chunk = arg(task, 4);
    for (let i = nextUnit(task) * chunk; i < n; i = nextUnit(task) * chunk) {
      reluGradRange(<usize>arg(task, 0), <usize>arg(task, 1), <usize>arg(task, 2), i, min(n, i + chunk));
    }
  } else if (kind == TASK_MEAN_LEADING) {
    const inner = arg(task, 2), shares = arg(task, 5);
    for (let s = nextUnit(task); s < shares; s = nextUnit(task)) {
      meanLeadingShare(<usize>arg(task, 0), arg(task, 1), inner, argF32(task, 3), <usize>arg(task, 4) + ((<usize>s * <usize>inner) << 3), s, shares);
    }
  } else if (kind == TASK_REPEAT_ROWS) {
    const rows = arg(task, 3), chunk = arg(task, 4);
    for (let r = nextUnit(task) * chunk; r < rows; r = nextUnit(task) * chunk) {
      repeatRows(<usize>arg(task, 0), arg(task, 1), <usize>arg(task, 2), r, min(rows, r + chunk));
    }
  } else if (kind == TASK_BATCH_NORM) {
    const rows = arg(task, 6), chunk = arg(task, 7);
    for (let r = nextUnit(task) * chunk; r < rows; r = nextUnit(task) * chunk) {
      batchNormRows(<usize>arg(task, 0), <usize>arg(task, 1), <usize>arg(task, 2), <usize>arg(task, 3), <usize>arg(task, 4), arg(task, 5), r, min(rows, r + chunk));
    }
  } else if (kind == TASK_BATCH_NORM_GRAD_SUMS) {
    const C = arg(task, 4), shares = arg(task, 6);
    for (let s = nextUnit(task); s < shares; s = nextUnit(task)) {
      batchNormGradShare(<usize>arg(task, 0), <usize>arg(task, 1), <usize>arg(task, 2), arg(task, 3), C, <usize>arg(task, 5) + ((<usize>s * <usize>C) << 4), s, shares);
    }
  } else if (kind == TASK_BATCH_NORM_GRAD_INPUT) {
    const rows = arg(task, 8), chunk = arg(task, 9);
    for (let r = nextUnit(task) * chunk; r < rows; r = nextUnit(task) * chunk) {
      batchNormGradInputRows(<usize>arg(task, 0), <usize>arg(task, 1), <usize>arg(task, 2), <usize>arg(task, 3), <usize>arg(task, 4), <usize>arg(task, 5),
        <usize>arg(task, 6), arg(task, 7), r, min(rows, r + chunk));
    }
  } else if (kind == TASK_MOMENTS) {
    const C = arg(task, 2), shares = arg(task, 4);
    for (let s = nextUnit(task); s < shares; s = nextUnit(task)) {
      momentsShare(<usize>arg(task, 0), arg(task, 1), C, <usize>arg(task, 3) + ((<usize>s * <usize>C) << 4), s, shares);
    }
  } else if (kind == TASK_RELU_GRAD_BIAS) {
    const C = arg(task, 4), shares = arg(task, 6);
    for (let s = nextUnit(task); s < shares; s = nextUnit(task)) {
      reluGradBiasShare(<usize>arg(task, 0), <usize>arg(task, 1), <usize>arg(task, 2), arg(task, 3), C, <usize>arg(task, 5) + ((<usize>s * <usize>C) << 3), s, shares);
    }
  } else if (kind == TASK_DROPOUT) {
    const n = arg(task, 2), chunk = arg(task, 3);
    for (let i = nextUnit(task) * chunk; i < n; i = nextUnit(task) * chunk) {
      dropoutRange(<usize>arg(task, 0), <usize>arg(task, 1), i, min(n, i + chunk), arg(task, 4), arg(task, 5), argF32(task, 6));
    }
  } else if (kind == TASK_ADAM) {
    const n = arg(task, 7), chunk = arg(task, 8);
    for (let i = nextUnit(task) * chunk; i < n; i = nextUnit(task) * chunk) {
      adamRange(<usize>arg(task, 0), <usize>arg(task, 1), <usize>arg(task, 2), <usize>arg(task, 3), <usize>arg(task, 4), <usize>arg(task, 5), <usize>arg(task, 6),
        i, min(n, i + chunk), argF32(task, 9), argF32(task, 10), argF32(task, 11), argF32(task, 12), argF32(task, 13), argF32(task, 14), argF32(task, 15), argF32(task, 16));
    }
  } else if (kind == TASK_ADADELTA) {
    const n = arg(task, 7), chunk = arg(task, 8);
    for (let i = nextUnit(task) * chunk; i < n; i = nextUnit(task) * chunk) {
      adadeltaRange(<usize>arg(task, 0), <usize>arg(task, 1), <usize>arg(task, 2), <usize>arg(task, 3), <usize>arg(task, 4), <usize>arg(task, 5), <usize>arg(task, 6),
        i, min(n, i + chunk), argF32(task, 9), argF32(task, 10), argF32(task, 11), argF32(task, 12), arg(task, 13) != 0);
    }
  }
}
