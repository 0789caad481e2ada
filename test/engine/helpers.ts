// Shared by the engine's tests: seeded random shapes and values, and running one computation on the engine
// and on tfjs's own cpu backend to compare the results.
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { getKernel } from '@tensorflow/tfjs-core';
import type { KernelFunc } from '@tensorflow/tfjs-core';
import { ENGINE_BACKEND } from '../../src/engine/index.ts';

/** A seeded uniform generator in [0,1) (mulberry32), for picking shapes reproducibly. */
export function seededRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [lo, hi] from `rng`. */
export const randInt = (rng: () => number, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
/** One element of `choices` from `rng`. */
export const pick = <T>(rng: () => number, choices: readonly T[]): T => choices[Math.floor(rng() * choices.length)];

/** Normal(0,1) values: tfjs's seeded generator is plain JavaScript, so every backend gets the same numbers. */
export function randn(shape: number[], seed: number): tf.Tensor {
  return tf.randomNormal(shape, 0, 1, 'float32', seed);
}

export interface Compared {
  shape: number[];
  values: Float32Array | Int32Array | Uint8Array;
}

/**
 * Asserts max |actual - expected| <= rtol * max(1, max |expected|) over the whole tensor: a norm-wise
 * relative tolerance, since sums of many products (GEMM) legitimately differ in summation order, and
 * element-wise relative error means nothing for results near zero. NaN must meet NaN.
 */
export function assertClose(actual: Compared, expected: Compared, rtol: number, what: string): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  assert.equal(actual.values.length, expected.values.length, `${what}: size`);
  let scale = 1;
  for (const v of expected.values) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  let worst = 0, worstAt = -1;
  for (let i = 0; i < expected.values.length; i++) {
    const a = actual.values[i], e = expected.values[i];
    if (Number.isNaN(e) || Number.isNaN(a)) {
      assert.ok(Number.isNaN(a) && Number.isNaN(e), `${what}: element ${i} is ${a}, cpu has ${e}`);
      continue;
    }
    if (a === e) continue; // also equal infinities
    const diff = Math.abs(a - e);
    if (diff > worst) [worst, worstAt] = [diff, i];
  }
  assert.ok(worst <= rtol * scale,
    `${what}: max abs diff ${worst.toExponential(3)} at element ${worstAt} (${actual.values[worstAt]} vs cpu ${expected.values[worstAt]}) exceeds ${rtol} x ${scale.toPrecision(4)}`);
}

function runOn(op: () => tf.Tensor | tf.Tensor[]): Compared[] {
  return tf.tidy(() => {
    const out = op();
    return (Array.isArray(out) ? out : [out]).map((t) => ({ shape: t.shape, values: t.dataSync() as Float32Array }));
  });
}

/** Runs `fn` counting the calls of the engine backend's registered `kernelName`. */
export function countKernelCalls<T>(kernelName: string, fn: () => T): { result: T; calls: number } {
  const config = getKernel(kernelName, ENGINE_BACKEND);
  if (!config) return { result: fn(), calls: 0 };
  const inner = config.kernelFunc;
  let calls = 0;
  config.kernelFunc = ((args: never) => {
    calls++;
    return (inner as (a: never) => unknown)(args);
  }) as KernelFunc;
  try {
    return { result: fn(), calls };
  } finally {
    config.kernelFunc = inner;
  }
}

/**
 * Runs `op` on the engine and on tfjs cpu (make the inputs inside `op` from seeds, so both get the same
 * values without moving tensors between backends) and asserts every output is close; returns the engine's outputs and how
 * often the engine ran `kernelName` meanwhile (0 without one), so a test can tell its kernel was not bypassed.
 */
export async function compareWithCpu(what: string, op: () => tf.Tensor | tf.Tensor[], rtol: number, kernelName = ''): Promise<{ calls: number; engine: Compared[] }> {
  await tf.setBackend(ENGINE_BACKEND);
  const { result: engine, calls } = countKernelCalls(kernelName, () => runOn(op));
  await tf.setBackend('cpu');
  let cpu: Compared[];
  try {
    cpu = runOn(op);
  } finally {
    await tf.setBackend(ENGINE_BACKEND);
  }
  assert.equal(engine.length, cpu.length, `${what}: output count`);
  engine.forEach((e, i) => assertClose(e, cpu[i], rtol, `${what} output ${i}`));
  return { calls, engine };
}

/** Counts of tensors and bytes tfjs tracks, for leak checks. */
export function tensorCount(): number {
  return tf.memory().numTensors;
}
