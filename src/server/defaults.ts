// How `digits serve` divides the machine's cores by default (the load benchmark starts its server the same way).
// Measured with `npm run bench -- server` (2 cores, 64x64 single-digit PNGs, the shipped model): see the README.
import { availableParallelism } from 'node:os';

/** Server processes: one per core, each with its own model and TensorFlow.js (~300 MB each), at most 4. */
export function defaultProcesses(cores = availableParallelism()): number {
  return Math.max(1, Math.min(cores, 4));
}

/** Image worker threads per process, for everything but small PNGs (photos, JPEGs): they keep the event loop free. */
export const DEFAULT_IMAGE_WORKERS = 1;

/** The engine's threads per process: the cores divided among the processes (more would only wait for each other). */
export function defaultEngineThreads(processes: number, cores = availableParallelism()): number {
  return Math.max(1, Math.floor(cores / processes));
}
