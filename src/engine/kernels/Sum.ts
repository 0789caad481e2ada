import { Sum, backend_util, getKernel, util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, SumAttrs, SumInputs, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { ENGINE_BACKEND } from '../backend_name.ts';
import { float32Values } from './matmul_impl.ts';
import { engineSumLeading } from './elementwise_impl.ts';

// out (inner) = sum over the leading axes of x (outer, inner): the bias gradient, sum of dy over (N,H,W), in wasm.
// tfjs cpu transposes x element by element to move those axes last first; other cases stay with it.
export function sum(args: { inputs: SumInputs; backend: MathBackendCPU; attrs: SumAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const xInfo = inputs.x as TensorInfo;
  const x = float32Values(backend, xInfo);
  const shape = xInfo.shape;
  const axes = x ? util.parseAxisParam(attrs.axis, shape).sort((p, q) => p - q) : [];
  const leading = axes.length > 0 && axes.every((axis, i) => axis === i); // all axes too: a loss's sum
  if (!x || !leading || x.length === 0) return (getKernel(Sum, 'cpu')!.kernelFunc as KernelFunc)(args as never) as TensorInfo;
  const outer = util.sizeFromShape(shape.slice(0, axes.length));
  const inner = x.length / outer;
  const outShape = shape.slice(axes.length);
  const out = engineSumLeading(x, outer, inner); // float64 sums in tfjs cpu's order, so the same result
  return backend.makeTensorInfo(attrs.keepDims ? backend_util.expandShapeToKeepDim(outShape, axes) : outShape, 'float32', out);
}

export const sumConfig: KernelConfig = {
  kernelName: Sum,
  backendName: ENGINE_BACKEND,
  kernelFunc: sum as unknown as KernelFunc,
};
