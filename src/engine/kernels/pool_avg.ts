import { AvgPool, getKernel } from '@tensorflow/tfjs-core';
import type { AvgPoolAttrs, AvgPoolInputs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { ENGINE_BACKEND } from '../backend_name.ts';
import { avgPoolForward, poolInfo } from './pool_impl.ts';

// y (N,outH,outW,C) = mean of x (N,H,W,C) over each window's in-bounds pixels.
export function avgPool(args: { inputs: AvgPoolInputs; backend: MathBackendCPU; attrs: AvgPoolAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x as TensorInfo;
  const pool = poolInfo(backend, x, attrs);
  if (!pool) return (getKernel(AvgPool, 'cpu')!.kernelFunc as KernelFunc)(args as never) as TensorInfo;
  return backend.makeTensorInfo(pool.info.outShape, 'float32', avgPoolForward(pool.xValues, pool.info));
}

export const avgPoolConfig: KernelConfig = {
  kernelName: AvgPool,
  backendName: ENGINE_BACKEND,
  kernelFunc: avgPool as unknown as KernelFunc,
};
