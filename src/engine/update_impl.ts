// The optimizers' one-pass updates in wasm (asm/optimizers.ts), threads taking chunks of elements; inputs are
// read where they lie when resident in engine memory, outputs are written straight into new resident blocks.
import { TASK_ADADELTA, TASK_ADAM, allocOutput, f32Bits, inputOffset, runEngineTask } from './runtime.ts';
import type { EngineRuntime } from './runtime.ts';

const CHUNK = 16384; // floats per work unit (a multiple of 4)
const MIN_PARALLEL_FLOATS = 1 << 16;

function threadsFor(rt: EngineRuntime, n: number): number {
  return n >= MIN_PARALLEL_FLOATS ? rt.pool.size : 1;
}

export interface AdamScalars {
  beta1: number;
  beta2: number;
  oneMinusBeta1: number;
  oneMinusBeta2: number;
  negLearningRate: number;
  epsilon: number;
  correction1: number;
  correction2: number;
}

/** Adam on (n) floats: returns [m', v', w']. */
export function adamUpdate(rt: EngineRuntime, g: Float32Array, w: Float32Array, m: Float32Array, v: Float32Array, s: AdamScalars): Float32Array[] {
  const n = w.length;
  rt.arena.reset();
  const inputs = [g, w, m, v].map((values) => inputOffset(rt, values));
  const outputs = [allocOutput(rt, n), allocOutput(rt, n), allocOutput(rt, n)];
  const scalars = [s.beta1, s.beta2, s.oneMinusBeta1, s.oneMinusBeta2, s.negLearningRate, s.epsilon, s.correction1, s.correction2].map(f32Bits);
  runEngineTask(rt, TASK_ADAM, [...inputs, ...outputs.map((o) => o.ptr), n, CHUNK, ...scalars], threadsFor(rt, n));
  const result = outputs.map((o) => o.values());
  rt.arena.reset();
  return result;
}

export interface AdadeltaScalars {
  rho: number;
  oneMinusRho: number;
  epsilon: number;
  negLearningRate: number;
  /** Divide by this step's accumulated gradient (Keras, Zeiler) rather than the previous one (tfjs). */
  keras: boolean;
}

/** Adadelta on (n) floats: returns [accumulated gradient', accumulated update', w']. */
export function adadeltaUpdate(
  rt: EngineRuntime, g: Float32Array, w: Float32Array, accGrad: Float32Array, accUpdate: Float32Array, s: AdadeltaScalars,
): Float32Array[] {
  const n = w.length;
  rt.arena.reset();
  const inputs = [g, w, accGrad, accUpdate].map((values) => inputOffset(rt, values));
  const outputs = [allocOutput(rt, n), allocOutput(rt, n), allocOutput(rt, n)];
  const scalars = [s.rho, s.oneMinusRho, s.epsilon, s.negLearningRate].map(f32Bits);
  runEngineTask(rt, TASK_ADADELTA, [...inputs, ...outputs.map((o) => o.ptr), n, CHUNK, ...scalars, s.keras ? 1 : 0], threadsFor(rt, n));
  const result = outputs.map((o) => o.values());
  rt.arena.reset();
  return result;
}
