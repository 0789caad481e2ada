import { MaxPool, getKernel } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, MaxPoolAttrs, MaxPoolInputs, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { ENGINE_BACKEND } from '../backend_name.ts';
import { engineMaxPool, poolInfo } from './pool_impl.ts';

// y (N,outH,outW,C) = max of x (N,H,W,C) over each window; other cases (dilation, int32) stay with tfjs cpu.
export function maxPool(args: { inputs: MaxPoolInputs; backend: MathBackendCPU; attrs: MaxPoolAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x as TensorInfo;
  const pool = poolInfo(backend, x, attrs);
  if (!pool) return (getKernel(MaxPool, 'cpu')!.kernelFunc as KernelFunc)(args as never) as TensorInfo;
  return backend.makeTensorInfo(pool.info.outShape, 'float32', engineMaxPool(pool.xValues, pool.info));
}

export const maxPoolConfig: KernelConfig = {
  kernelName: MaxPool,
  backendName: ENGINE_BACKEND,
  kernelFunc: maxPool as unknown as KernelFunc,
};
