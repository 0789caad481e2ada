// Element-wise kernels run in wasm (asm/elementwise.ts), four lanes at a time, on tensors resident in engine
// memory (tensor_heap.ts); others are copied in, a memcpy several times faster than a JavaScript loop over the
// same Float32Arrays.
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { TASK_BINARY, TASK_DROPOUT, TASK_RELU_GRAD, TASK_RELU_GRAD_BIAS, TASK_UNARY, allocOutput, engineRuntime, f32Bits, inputOffset, runEngineTask } from '../runtime.ts';
import type { EngineRuntime } from '../runtime.ts';
import { Layout } from './broadcast_impl.ts';
import type { BinaryPlan } from './broadcast_impl.ts';

// Threads take chunks of CHUNK floats; below MIN_PARALLEL_FLOATS one thread streams faster than two wake up.
const CHUNK = 16384;
const MIN_PARALLEL_FLOATS = 1 << 17;
function threadsFor(rt: EngineRuntime, n: number): number {
  return n >= MIN_PARALLEL_FLOATS ? rt.pool.size : 1;
}

export const OP_ADD = 0;
export const OP_SUB = 1;
export const OP_MUL = 2;
export const OP_DIV = 3;
export const OP_MUL_TWICE = 4; // a * (b * 2)

export const UNARY_RELU = 0;
export const UNARY_STEP = 1;
export const UNARY_SQRT = 2;
export const UNARY_FLOOR = 3;
export const UNARY_SQUARE = 4;

/** out = a op b in the plan's layout (broadcast_impl.ts). */
export function engineBinary(backend: MathBackendCPU, plan: BinaryPlan, op: number): TensorInfo {
  const rt = engineRuntime();
  rt.arena.reset();
  const aPtr = inputOffset(rt, plan.a);
  const bPtr = inputOffset(rt, plan.b);
  const result = allocOutput(rt, plan.outSize);
  // a work unit is whole rows of a repeating operand, about CHUNK floats
  const chunk = plan.layout === Layout.RepeatA || plan.layout === Layout.RepeatB ? Math.max(1, Math.round(CHUNK / plan.inner)) * plan.inner : CHUNK;
  runEngineTask(rt, TASK_BINARY, [op, plan.layout, aPtr, bPtr, result.ptr, plan.outSize, plan.inner, chunk], threadsFor(rt, plan.outSize));
  const out = result.values();
  rt.arena.reset();
  return backend.makeTensorInfo(plan.outShape, 'float32', out);
}

/** out (shape) = op(x). */
export function engineUnary(backend: MathBackendCPU, x: Float32Array, shape: number[], op: number): TensorInfo {
  const rt = engineRuntime();
  rt.arena.reset();
  const xPtr = inputOffset(rt, x);
  const result = allocOutput(rt, x.length);
  runEngineTask(rt, TASK_UNARY, [op, xPtr, result.ptr, x.length, CHUNK], threadsFor(rt, x.length));
  const out = result.values();
  rt.arena.reset();
  return backend.makeTensorInfo(shape, 'float32', out);
}

/** dx (shape) = x > 0 ? dy : 0: relu's gradient in one pass. */
export function engineReluGrad(backend: MathBackendCPU, dy: Float32Array, x: Float32Array, shape: number[]): TensorInfo {
  const rt = engineRuntime();
  rt.arena.reset();
  const dyPtr = inputOffset(rt, dy);
  const xPtr = inputOffset(rt, x);
  const result = allocOutput(rt, x.length);
  runEngineTask(rt, TASK_RELU_GRAD, [dyPtr, xPtr, result.ptr, x.length, CHUNK], threadsFor(rt, x.length));
  const out = result.values();
  rt.arena.reset();
  return backend.makeTensorInfo(shape, 'float32', out);
}

/** out (shape) = x * (scale where hash(key, index) < keep, a u32 threshold, else 0): dropout in one pass (asm dropoutRange). */
export function engineDropout(backend: MathBackendCPU, x: Float32Array, shape: number[], key: number, keep: number, scale: number): TensorInfo {
  const rt = engineRuntime();
  rt.arena.reset();
  const xPtr = inputOffset(rt, x);
  const result = allocOutput(rt, x.length);
  runEngineTask(rt, TASK_DROPOUT, [xPtr, result.ptr, x.length, CHUNK, key | 0, keep | 0, f32Bits(scale)], threadsFor(rt, x.length));
  const out = result.values();
  rt.arena.reset();
  return backend.makeTensorInfo(shape, 'float32', out);
}

// Shares of rows the bias gradient is summed in, each in f64, added in share order: the same bits on any thread count.
const SHARES = 8;

/**
 * A conv layer's relu and bias gradients in one pass over dy and y (rows,C), the relu's output: dz = y > 0 ? dy : 0
 * and db (C) = the sum of dz over the rows.
 */
export function engineReluGradBias(dy: Float32Array, y: Float32Array, C: number): { dz: Float32Array; db: Float32Array } {
  const rt = engineRuntime();
  rt.arena.reset();
  const dyPtr = inputOffset(rt, dy);
  const yPtr = inputOffset(rt, y);
  const dz = allocOutput(rt, y.length);
  const acc = rt.arena.alloc(SHARES * C * 8);
  const db = allocOutput(rt, C);
  runEngineTask(rt, TASK_RELU_GRAD_BIAS, [dyPtr, yPtr, dz.ptr, y.length / C, C, acc, SHARES], threadsFor(rt, y.length));
  rt.exports.reduceShares(acc, SHARES, C, db.ptr);
  const out = { dz: dz.values(), db: db.values() };
  rt.arena.reset();
  return out;
}

/** out (inner) = sum over the rows of x (outer,inner), in f64 like tfjs cpu. */
export function engineSumLeading(x: Float32Array, outer: number, inner: number): Float32Array {
  const rt = engineRuntime();
  rt.arena.reset();
  const xPtr = inputOffset(rt, x);
  const result = allocOutput(rt, inner);
  const acc = rt.arena.alloc(inner * 8);
  rt.exports.sumLeading(xPtr, outer, inner, result.ptr, acc);
  const out = result.values();
  rt.arena.reset();
  return out;
}
