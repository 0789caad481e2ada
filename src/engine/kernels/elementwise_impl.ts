// Element-wise kernels run in wasm (asm/elementwise.ts): the copy in and out is a memcpy, several times faster
// than a JavaScript loop over the same Float32Arrays, and the op itself runs four lanes at a time.
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { engineRuntime } from '../runtime.ts';
import type { BinaryPlan } from './broadcast_impl.ts';
import { recycler } from '../recycler.ts';

export const OP_ADD = 0;
export const OP_SUB = 1;
export const OP_MUL = 2;
export const OP_DIV = 3;

export const UNARY_RELU = 0;
export const UNARY_STEP = 1;
export const UNARY_SQRT = 2;
export const UNARY_FLOOR = 3;

/** out = a op b in the plan's layout (broadcast_impl.ts). */
export function engineBinary(backend: MathBackendCPU, plan: BinaryPlan, op: number): TensorInfo {
  const { arena, exports } = engineRuntime();
  arena.reset();
  const aPtr = arena.allocCopy(plan.a);
  const bPtr = arena.allocCopy(plan.b);
  const outPtr = arena.alloc(plan.outSize * 4);
  exports.binary(op, plan.layout, aPtr, bPtr, outPtr, plan.outSize, plan.inner);
  const out = recycler.copyOf(arena.f32(outPtr, plan.outSize));
  arena.reset();
  return backend.makeTensorInfo(plan.outShape, 'float32', out);
}

/** out (shape) = op(x). */
export function engineUnary(backend: MathBackendCPU, x: Float32Array, shape: number[], op: number): TensorInfo {
  const { arena, exports } = engineRuntime();
  arena.reset();
  const xPtr = arena.allocCopy(x);
  const outPtr = arena.alloc(x.length * 4);
  exports.unary(op, xPtr, outPtr, x.length);
  const out = recycler.copyOf(arena.f32(outPtr, x.length));
  arena.reset();
  return backend.makeTensorInfo(shape, 'float32', out);
}

/** dx (shape) = x > 0 ? dy : 0: relu's gradient in one pass. */
export function engineReluGrad(backend: MathBackendCPU, dy: Float32Array, x: Float32Array, shape: number[]): TensorInfo {
  const { arena, exports } = engineRuntime();
  arena.reset();
  const dyPtr = arena.allocCopy(dy);
  const xPtr = arena.allocCopy(x);
  const outPtr = arena.alloc(x.length * 4);
  exports.reluGrad(dyPtr, xPtr, outPtr, x.length);
  const out = recycler.copyOf(arena.f32(outPtr, x.length));
  arena.reset();
  return backend.makeTensorInfo(shape, 'float32', out);
}

/** out (inner) = sum over the rows of x (outer,inner), in f64 like tfjs cpu. */
export function engineSumLeading(x: Float32Array, outer: number, inner: number): Float32Array {
  const { arena, exports } = engineRuntime();
  arena.reset();
  const xPtr = arena.allocCopy(x);
  const outPtr = arena.alloc(inner * 4);
  const acc = arena.alloc(inner * 8);
  exports.sumLeading(xPtr, outer, inner, outPtr, acc);
  const out = recycler.copyOf(arena.f32(outPtr, inner));
  arena.reset();
  return out;
}
