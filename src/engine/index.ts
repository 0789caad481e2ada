// The engine's public surface: `await useEngine()` makes TensorFlow.js train and predict with the engine.
import { setBackend, getBackend } from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu'; // registers the cpu kernels the engine backend reuses
import { ENGINE_BACKEND } from './backend_name.ts';
import { registerEngineBackend } from './backend.ts';
import { Arena } from './arena.ts';
import { ThreadPool } from './threads.ts';
import { PackedCache } from './packed_cache.ts';
import { recycler } from './recycler.ts';
import { MAX_MEMORY_PAGES, canShareMemory, loadEngineWasm } from './wasm.ts';
import { TensorHeap } from './tensor_heap.ts';
import { engineRuntime, hasEngineRuntime, setEngineRuntime } from './runtime.ts';

export { ENGINE_BACKEND } from './backend_name.ts';
export { engineAdam, EngineAdamOptimizer } from './adam.ts';
export { engineAdadelta, EngineAdadeltaOptimizer } from './adadelta.ts';

/** Bumped when the kernels' numerics or the module change. */
export const ENGINE_VERSION = '0.6.0';

export interface EngineOptions {
  /** Threads for big kernels (the caller plus threads-1 workers); default: every core. 1 = no workers. */
  threads?: number;
}

export interface EngineInfo {
  backend: string;
  threads: number;
  simd: boolean;
}

async function defaultThreads(): Promise<number> {
  if (typeof navigator !== 'undefined' && navigator.hardwareConcurrency) return navigator.hardwareConcurrency;
  if (typeof process !== 'undefined' && process.versions?.node) {
    const specifier = 'node:os'; // a variable, so browser bundlers leave it alone
    const os = (await import(/* @vite-ignore */ specifier)) as typeof import('node:os');
    return os.availableParallelism();
  }
  return 1;
}

function checkThreads(threads: number): number {
  if (!Number.isInteger(threads) || threads < 1 || threads > 256) {
    throw new RangeError(`engine: threads must be an integer from 1 to 256, got ${threads}`);
  }
  return threads;
}

// Room for packed weights kept between calls: the Keras MNIST CNN's dense layer alone packs to 9.4 MB.
// Untouched pages of a WebAssembly memory cost no RAM.
const PACKED_CACHE_BYTES = 64 << 20;

// The per-call arena's share of the memory when tensors are resident above it: kernels then copy in only
// inputs made by other backends or cpu kernels. Untouched pages cost no RAM.
const ARENA_BYTES = 640 << 20;

let starting: Promise<void> = Promise.resolve();

/**
 * Starts the engine (once: instantiates the wasm module, starts the worker pool), registers the
 * 'digits-engine' backend and makes it TensorFlow.js's current backend. Calling it again with another
 * thread count restarts the pool.
 */
export async function useEngine(options: EngineOptions = {}): Promise<EngineInfo> {
  const run = starting.then(async () => {
    const wanted = checkThreads(options.threads ?? (await defaultThreads()));
    if (!hasEngineRuntime()) {
      const shared = canShareMemory();
      const loaded = await loadEngineWasm(shared);
      // memory: [static data][packed-weights cache][arena ->]
      const cacheBase = Math.ceil(loaded.exports.heapBase() / 64) * 64;
      const cache = new PackedCache(cacheBase, PACKED_CACHE_BYTES);
      const arenaBase = cacheBase + PACKED_CACHE_BYTES;
      const missing = arenaBase - loaded.memory.buffer.byteLength;
      if (missing > 0) loaded.memory.grow(Math.ceil(missing / 65536));
      // shared: [arena (fixed)][resident tensors ->]; unshared (its views die when it grows): [arena ->]
      const heapBase = arenaBase + ARENA_BYTES;
      const arena = new Arena(loaded.memory, arenaBase, shared ? heapBase : Infinity);
      const heap = shared ? new TensorHeap(loaded.memory, heapBase, MAX_MEMORY_PAGES * 65536) : null;
      const threads = shared ? wanted : 1;
      const pool = await ThreadPool.start(threads, loaded.module, loaded.memory, loaded.exports.runTask);
      setEngineRuntime({ ...loaded, arena, cache, heap, pool });
    } else {
      const rt = engineRuntime();
      if (rt.pool.size !== wanted && rt.shared) {
        await rt.pool.stop();
        rt.pool = await ThreadPool.start(wanted, rt.module, rt.memory, rt.exports.runTask);
      }
    }
    registerEngineBackend();
    if (getBackend() !== ENGINE_BACKEND) await setBackend(ENGINE_BACKEND);
  });
  starting = run.catch(() => {});
  await run;
  return engineInfo();
}

export function engineInfo(): EngineInfo {
  return { backend: ENGINE_BACKEND, threads: engineRuntime().pool.size, simd: true };
}

/**
 * Stops the worker threads (the engine keeps working on one thread), so a process can exit promptly, and drops
 * the arrays kept for reuse.
 */
export async function disposeEngine(): Promise<void> {
  if (!hasEngineRuntime()) return;
  const rt = engineRuntime();
  await rt.pool.stop();
  rt.pool = await ThreadPool.start(1, rt.module, rt.memory, rt.exports.runTask);
  recycler.clear();
}

export interface EngineStats {
  /** Bytes the current kernel call holds (0 between calls). */
  arenaBytes: number;
  /** The most any kernel call has held. */
  arenaHighWaterBytes: number;
  /** Bytes of cached weight packings (freed with their tensors). */
  cacheBytes: number;
  /** Size of the WebAssembly memory. */
  memoryBytes: number;
  /** Bytes of disposed tensors' arrays kept for reuse by the next kernel outputs of the same size. */
  recycledBytes: number;
  /** Bytes of tensors resident in engine memory, and of their freed blocks kept for reuse. */
  heapBytes: number;
  heapFreeBytes: number;
}

/** Memory figures for leak checks. */
export function engineStats(): EngineStats {
  const rt = engineRuntime();
  return { ...rt.arena.stats(), cacheBytes: rt.cache.usedBytes(), recycledBytes: recycler.bytes(), ...(rt.heap?.stats() ?? { heapBytes: 0, heapFreeBytes: 0 }) };
}
