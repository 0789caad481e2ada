import { Sqrt, getKernel } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo, UnaryInputs } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { ENGINE_BACKEND } from '../backend_name.ts';
import { float32Values } from './matmul_impl.ts';
import { UNARY_SQRT, engineUnary } from './elementwise_impl.ts';

// out = sqrt(x), float32, in wasm (tfjs cpu calls a generic closure per element).
export function sqrt(args: { inputs: UnaryInputs; backend: MathBackendCPU }): TensorInfo {
  const { inputs, backend } = args;
  const xInfo = inputs.x as TensorInfo;
  const x = float32Values(backend, xInfo);
  if (!x || x.length === 0) return (getKernel(Sqrt, 'cpu')!.kernelFunc as KernelFunc)(args as never) as TensorInfo;
  return engineUnary(backend, x, xInfo.shape, UNARY_SQRT);
}

export const sqrtConfig: KernelConfig = {
  kernelName: Sqrt,
  backendName: ENGINE_BACKEND,
  kernelFunc: sqrt as unknown as KernelFunc,
};
