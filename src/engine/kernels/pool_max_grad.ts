import { MaxPoolGrad, getKernel } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, MaxPoolGradAttrs, MaxPoolGradInputs, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { ENGINE_BACKEND } from '../backend_name.ts';
import { float32Values } from './matmul_impl.ts';
import { engineMaxPoolGrad, poolInfo } from './pool_impl.ts';

// dx (N,H,W,C) = dy (N,outH,outW,C) routed to each window's argmax in x (the forward's input).
export function maxPoolGrad(args: { inputs: MaxPoolGradInputs; backend: MathBackendCPU; attrs: MaxPoolGradAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.input as TensorInfo;
  const pool = poolInfo(backend, x, attrs);
  const dy = float32Values(backend, inputs.dy as TensorInfo);
  if (!pool || !dy || dy.length !== pool.info.outShape.reduce((p, d) => p * d, 1)) {
    return (getKernel(MaxPoolGrad, 'cpu')!.kernelFunc as KernelFunc)(args as never) as TensorInfo;
  }
  return backend.makeTensorInfo(x.shape, 'float32', engineMaxPoolGrad(dy, pool.xValues, pool.info));
}

export const maxPoolGradConfig: KernelConfig = {
  kernelName: MaxPoolGrad,
  backendName: ENGINE_BACKEND,
  kernelFunc: maxPoolGrad as unknown as KernelFunc,
};
