import { Mean, backend_util, getKernel, util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, MeanAttrs, MeanInputs, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { ENGINE_BACKEND } from '../backend_name.ts';
import { float32Values } from './matmul_impl.ts';
import { engineMeanLeading } from './normalization_impl.ts';

// out (inner) = mean over the leading axes of x (outer, inner): per-channel means of NHWC (batch normalisation's
// moments), in wasm on both threads. tfjs cpu divides, transposes and sums element by element through three
// kernels (half a BatchNorm training step before this). Other axes stay with it.
export function mean(args: { inputs: MeanInputs; backend: MathBackendCPU; attrs: MeanAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const xInfo = inputs.x as TensorInfo;
  const x = float32Values(backend, xInfo);
  const shape = xInfo.shape;
  const axes = x ? util.parseAxisParam(attrs.axis, shape).sort((p, q) => p - q) : [];
  const leading = axes.length > 0 && axes.every((axis, i) => axis === i);
  if (!x || !leading || x.length === 0) return (getKernel(Mean, 'cpu')!.kernelFunc as KernelFunc)(args as never) as TensorInfo;
  const outer = util.sizeFromShape(shape.slice(0, axes.length));
  const outShape = shape.slice(axes.length);
  const out = engineMeanLeading(x, outer, x.length / outer);
  return backend.makeTensorInfo(attrs.keepDims ? backend_util.expandShapeToKeepDim(outShape, axes) : outShape, 'float32', out);
}

export const meanConfig: KernelConfig = {
  kernelName: Mean,
  backendName: ENGINE_BACKEND,
  kernelFunc: mean as unknown as KernelFunc,
};
