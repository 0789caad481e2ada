// How the operands of an element-wise binary kernel line up, for the wasm loops (elementwise_impl.ts). tfjs's
// cpu kernels compute index vectors per element whenever shapes differ, even for a scalar or a bias, which made
// Adam's scalar products and the bias adds the slowest part of a training step.
import { backend_util, util } from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { float32Values } from './matmul_impl.ts';

/** How b lines up with a: same shape, a scalar, or repeating over a's leading axes (a bias), or vice versa. */
export const Layout = {
  Same: 0,
  ScalarA: 1,
  ScalarB: 2,
  RepeatA: 3, // a (inner) repeats over the leading axes of b
  RepeatB: 4, // b (inner) repeats over the leading axes of a
} as const;
type LayoutCode = (typeof Layout)[keyof typeof Layout];

export interface BinaryPlan {
  layout: LayoutCode;
  a: Float32Array;
  b: Float32Array;
  outShape: number[];
  outSize: number;
  inner: number; // length of the repeating operand
}

function stripLeadingOnes(shape: number[]): number[] {
  let i = 0;
  while (i < shape.length && shape[i] === 1) i++;
  return shape.slice(i);
}

function isSuffix(inner: number[], outer: number[]): boolean {
  const s = stripLeadingOnes(inner);
  if (s.length > outer.length) return false;
  const offset = outer.length - s.length;
  return s.every((d, i) => d === outer[offset + i]);
}

/** The plan for a op b, or null when the engine leaves the case to the cpu kernel. */
export function planBinary(backend: MathBackendCPU, aInfo: TensorInfo, bInfo: TensorInfo): BinaryPlan | null {
  const a = float32Values(backend, aInfo);
  const b = float32Values(backend, bInfo);
  if (!a || !b) return null;
  let outShape: number[];
  try {
    outShape = backend_util.assertAndGetBroadcastShape(aInfo.shape, bInfo.shape);
  } catch {
    return null; // let the cpu kernel report the shape error
  }
  const outSize = util.sizeFromShape(outShape);
  if (outSize === 0) return null;
  const plan = (layout: LayoutCode, inner: number): BinaryPlan => ({ layout, a, b, outShape, outSize, inner });
  if (a.length === outSize && b.length === outSize) return plan(Layout.Same, outSize);
  if (b.length === 1 && a.length === outSize) return plan(Layout.ScalarB, 1);
  if (a.length === 1 && b.length === outSize) return plan(Layout.ScalarA, 1);
  if (a.length === outSize && isSuffix(bInfo.shape, outShape)) return plan(Layout.RepeatB, b.length);
  if (b.length === outSize && isSuffix(aInfo.shape, outShape)) return plan(Layout.RepeatA, a.length);
  return null;
}
