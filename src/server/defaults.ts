// How `digits serve` divides the machine's cores by default (the load benchmark starts its server the same way).
// Measured with `npm run bench -- server` on 2 cores (64x64 single-digit PNGs, the shipped model, 16 connections):
//   1 process, 1 image worker, 1 engine thread ...................... 913-1,031 req/s, p99 29-35 ms (the default)
//   the same with 2 engine threads .................................. 766 req/s (threads and the worker contend)
//   the same with 2 image workers ................................... 852 req/s
//   2 processes (--processes 2), each reading and classifying alone .. 715 req/s, 2.7 ms CPU a request (1.5 above)
// One process's event loop (HTTP and the model) tops out near 1,500 requests/s; past that, on more cores,
// --processes N runs N of them on one port.
import { availableParallelism } from 'node:os';

/** Server processes: one (see above); each would hold its own model and TensorFlow.js (~300 MB). */
export function defaultProcesses(): number {
  return 1;
}

/** Image worker threads per process: the cores but one, which the event loop and the model keep busy. */
export function defaultImageWorkers(processes: number, cores = availableParallelism()): number {
  return Math.max(1, Math.floor(cores / processes) - 1);
}

/** The engine's threads per process: the cores the image workers leave (more would only contend with them). */
export function defaultEngineThreads(processes: number, imageWorkers: number, cores = availableParallelism()): number {
  return Math.max(1, Math.floor(cores / processes) - imageWorkers);
}
