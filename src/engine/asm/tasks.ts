// The thread pool's entry point: every thread (the caller as thread 0, workers as 1..threads-1) calls
// runTask on the same task record and does its own share. A task record is i32 words: kind, then arguments.
import { MR, NR, gemmPacked, packB } from './gemm';
import { conv2dBackpropFilter, conv2dBackpropInput, conv2dForward } from './conv';

export const TASK_GEMM = 1; // M N K A rsA csA Bp C ldc accumulate scratchBase scratchStride
export const TASK_PACK_B = 2; // K N B rsB csB dst
export const TASK_CONV_FORWARD = 3; // geom x Wp bias activation y tileP scratchBase scratchStride
export const TASK_CONV_BACKPROP_FILTER = 4; // geom x dy dW tileP scratchBase scratchStride
export const TASK_CONV_BACKPROP_INPUT = 5; // geom dy Wtp dx tileP scratchBase scratchStride
// kinds 100+ are free for other kernels (add a case below)

// @ts-ignore: decorator
@inline function arg(task: usize, i: i32): i32 {
  return load<i32>(task + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline function share(units: i32, thread: i32, threads: i32): i32 {
  return <i32>((<i64>units * thread) / threads);
}

export function runTask(task: usize, thread: i32, threads: i32): void {
  const kind = arg(task, 0);
  if (kind == TASK_GEMM) {
    const M = arg(task, 1), N = arg(task, 2), K = arg(task, 3);
    const A = <usize>arg(task, 4), rsA = arg(task, 5), csA = arg(task, 6);
    const Bp = <usize>arg(task, 7), C = <usize>arg(task, 8), ldc = arg(task, 9), accumulate = arg(task, 10) != 0;
    const scratch = <usize>arg(task, 11) + <usize>thread * <usize>arg(task, 12);
    const rowTiles = (M + MR - 1) / MR, colTiles = (N + NR - 1) / NR;
    if (rowTiles >= colTiles) {
      // split rows: thread's rows [m0, m1)
      const m0 = min(M, share(rowTiles, thread, threads) * MR), m1 = min(M, share(rowTiles, thread + 1, threads) * MR);
      if (m1 > m0) gemmPacked(m1 - m0, 0, N, K, A + ((<usize>m0 * <usize>rsA) << 2), rsA, csA, Bp, C + ((<usize>m0 * <usize>ldc) << 2), ldc, accumulate, scratch);
    } else {
      const n0 = min(N, share(colTiles, thread, threads) * NR), n1 = min(N, share(colTiles, thread + 1, threads) * NR);
      if (n1 > n0) gemmPacked(M, n0, n1, K, A, rsA, csA, Bp, C, ldc, accumulate, scratch);
    }
  } else if (kind == TASK_PACK_B) {
    const K = arg(task, 1), N = arg(task, 2);
    const panels = (N + NR - 1) / NR;
    packB(K, N, <usize>arg(task, 3), arg(task, 4), arg(task, 5), <usize>arg(task, 6), share(panels, thread, threads), share(panels, thread + 1, threads));
  } else if (kind == TASK_CONV_FORWARD) {
    const scratch = <usize>arg(task, 8) + <usize>thread * <usize>arg(task, 9);
    conv2dForward(<usize>arg(task, 1), <usize>arg(task, 2), <usize>arg(task, 3), <usize>arg(task, 4), arg(task, 5), <usize>arg(task, 6), arg(task, 7), scratch, thread, threads);
  } else if (kind == TASK_CONV_BACKPROP_FILTER) {
    const scratch = <usize>arg(task, 6) + <usize>thread * <usize>arg(task, 7);
    conv2dBackpropFilter(<usize>arg(task, 1), <usize>arg(task, 2), <usize>arg(task, 3), <usize>arg(task, 4), arg(task, 5), scratch, thread, threads);
  } else if (kind == TASK_CONV_BACKPROP_INPUT) {
    const scratch = <usize>arg(task, 6) + <usize>thread * <usize>arg(task, 7);
    conv2dBackpropInput(<usize>arg(task, 1), <usize>arg(task, 2), <usize>arg(task, 3), <usize>arg(task, 4), arg(task, 5), scratch, thread, threads);
  }
}
