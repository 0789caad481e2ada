// The engine's one live state: the wasm instance, its memory arena and the thread pool. Kernels reach it
// through engineRuntime(); useEngine (index.ts) creates it.
import { Arena } from './arena.ts';
import type { ThreadPool } from './threads.ts';
import type { PackedCache } from './packed_cache.ts';
import type { EngineExports } from './wasm.ts';

export interface EngineRuntime {
  exports: EngineExports;
  arena: Arena;
  cache: PackedCache;
  pool: ThreadPool; // replaced when the thread count changes
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  shared: boolean;
}

let current: EngineRuntime | null = null;

export function setEngineRuntime(runtime: EngineRuntime | null): void {
  current = runtime;
}

export function engineRuntime(): EngineRuntime {
  if (!current) throw new Error('engine: not started; call await useEngine() first');
  return current;
}

export function hasEngineRuntime(): boolean {
  return current !== null;
}

/**
 * Task records: i32 words, kind, a unit counter the threads share, then arguments (asm/tasks.ts).
 */
export const TASK_GEMM = 1;
export const TASK_PACK_B = 2;
export const TASK_CONV_FORWARD = 3;
export const TASK_CONV_BACKPROP_FILTER = 4;
export const TASK_CONV_BACKPROP_INPUT = 5;
export const TASK_MAX_POOL = 6;
export const TASK_MAX_POOL_GRAD = 7;

export function runEngineTask(runtime: EngineRuntime, kind: number, args: number[], threads: number): void {
  const task = runtime.arena.alloc((args.length + 2) * 4);
  const words = runtime.arena.i32(task, args.length + 2);
  words[0] = kind;
  words[1] = 0;
  for (let i = 0; i < args.length; i++) words[i + 2] = args[i];
  runtime.pool.run(task, threads);
}

/** Threads worth using for `flops` of work: each extra thread must have enough work to pay for waking it. */
export const MIN_FLOPS_PER_THREAD = 4e6;
export function threadsFor(runtime: EngineRuntime, flops: number): number {
  return Math.max(1, Math.min(runtime.pool.size, Math.floor(flops / MIN_FLOPS_PER_THREAD)));
}

/** Runs C (M,N) (+)= op(A) (M,K) * packed B on `threads`, in row or column chunks. */
export function runGemmTask(
  runtime: EngineRuntime, M: number, N: number, K: number, A: number, rsA: number, csA: number,
  packedB: number, C: number, ldc: number, accumulate: boolean, scratch: number, scratchStride: number, threads: number,
): void {
  const chunk = runtime.exports.gemmChunk(M, N, threads);
  const splitColumns = runtime.exports.gemmSplitsColumns(M, N);
  runEngineTask(runtime, TASK_GEMM, [M, N, K, A, rsA, csA, packedB, C, ldc, accumulate ? 1 : 0, scratch, scratchStride, chunk, splitColumns], threads);
}
