import { AvgPoolGrad, getKernel } from '@tensorflow/tfjs-core';
import type { AvgPoolGradAttrs, AvgPoolGradInputs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { ENGINE_BACKEND } from '../backend_name.ts';
import { float32Values } from './matmul_impl.ts';
import { avgPoolBackward, poolInfo } from './pool_impl.ts';

// dx (N,H,W,C) = dy (N,outH,outW,C) spread evenly over each window.
export function avgPoolGrad(args: { inputs: AvgPoolGradInputs; backend: MathBackendCPU; attrs: AvgPoolGradAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.input as TensorInfo;
  const pool = poolInfo(backend, x, attrs); // x only gives the shape
  const dy = float32Values(backend, inputs.dy as TensorInfo);
  if (!pool || !dy || dy.length !== pool.info.outShape.reduce((p, d) => p * d, 1)) {
    return (getKernel(AvgPoolGrad, 'cpu')!.kernelFunc as KernelFunc)(args as never) as TensorInfo;
  }
  return backend.makeTensorInfo(x.shape, 'float32', avgPoolBackward(dy, pool.info));
}

export const avgPoolGradConfig: KernelConfig = {
  kernelName: AvgPoolGrad,
  backendName: ENGINE_BACKEND,
  kernelFunc: avgPoolGrad as unknown as KernelFunc,
};
