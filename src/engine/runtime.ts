// The engine's one live state: the wasm instance, its memory arena and the thread pool. Kernels reach it
// through engineRuntime(); useEngine (index.ts) creates it.
import { Arena } from './arena.ts';
import type { ThreadPool } from './threads.ts';
import type { PackedCache } from './packed_cache.ts';
import type { TensorHeap } from './tensor_heap.ts';
import { recycler } from './recycler.ts';
import type { EngineExports } from './wasm.ts';

export interface EngineRuntime {
  exports: EngineExports;
  arena: Arena;
  cache: PackedCache;
  heap: TensorHeap | null; // resident tensors; null with an unshared memory
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
export const TASK_ADAM = 8;
export const TASK_ADADELTA = 9;
export const TASK_BINARY = 10;
export const TASK_UNARY = 11;
export const TASK_RELU_GRAD = 12;
export const TASK_WINOGRAD_FORWARD = 13;
export const TASK_CONV_FORWARD_ONE_CHANNEL = 14;
export const TASK_WINOGRAD_BACKPROP_FILTER = 15;
export const TASK_MEAN_LEADING = 16;
export const TASK_REPEAT_ROWS = 17;
export const TASK_BATCH_NORM = 18;
export const TASK_BATCH_NORM_GRAD_SUMS = 19;
export const TASK_WINOGRAD4_FORWARD = 20;
export const TASK_BATCH_NORM_GRAD_INPUT = 21;
export const TASK_MOMENTS = 22;
export const TASK_RELU_GRAD_BIAS = 23;
export const TASK_DROPOUT = 24;

const floatBits = new Int32Array(1);
const floatView = new Float32Array(floatBits.buffer);
/** The bits of a float32 task argument (task words are i32). */
export function f32Bits(x: number): number {
  floatView[0] = x;
  return floatBits[0];
}

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

/** Byte offset of a kernel input in engine memory: where it lies when resident, else a copy in the arena. */
export function inputOffset(runtime: EngineRuntime, values: Float32Array): number {
  const at = runtime.heap ? runtime.heap.offsetOf(values) : -1;
  return at >= 0 ? at : runtime.arena.allocCopy(values);
}

/** A kernel's output of n floats: written at `ptr`, then `values()` is the array for the tensor. */
export interface KernelOutput {
  ptr: number;
  values(): Float32Array;
}

/** Room for a kernel output: a resident heap block when there is one, else arena space copied out after. */
export function allocOutput(runtime: EngineRuntime, n: number): KernelOutput {
  const view = runtime.heap ? runtime.heap.alloc(n) : null;
  if (view) return { ptr: view.byteOffset, values: () => view };
  const ptr = runtime.arena.alloc(n * 4);
  return { ptr, values: () => recycler.copyOf(runtime.arena.f32(ptr, n)) };
}
