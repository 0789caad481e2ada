// How `digits serve` divides the machine's cores by default (the load benchmark starts its server the same way).
// Measured with `npm run bench -- server --seconds 10` on 2 cores (64x64 single-digit PNGs, the shipped model,
// 16 connections; run under setsid, so other sessions' niced work yields; runs of one setting vary by ~20%):
//   1 process, 1 image worker, 1 engine thread .... 934-1,131 req/s, p99 29-35 ms, 1.5 ms CPU a request (the default)
//   the same with 2 engine threads ................ 610-766 req/s (the engine's threads and the worker contend)
//   the same with 2 image workers ................. 852 req/s
//   2 processes of the default (--processes 2) .... 853-1,016 req/s, 1.8-2.1 ms CPU a request
//   small PNGs read on the event loop, no worker .. 592 req/s (the loop, busy with the model, is the bottleneck)
// One process's event loop does HTTP and runs the model (~0.7 ms of CPU a request): on more cores than 2 it becomes
// the limit, and --processes N runs N such processes on one port.
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
