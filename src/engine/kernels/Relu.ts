import { Relu, getKernel } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo, UnaryInputs } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { ENGINE_BACKEND } from '../backend_name.ts';
import { float32Values } from './matmul_impl.ts';
import { UNARY_RELU, engineUnary } from './elementwise_impl.ts';

// out = max(x, 0) (NaN stays NaN), float32, four lanes at a time in wasm.
export function relu(args: { inputs: UnaryInputs; backend: MathBackendCPU }): TensorInfo {
  const { inputs, backend } = args;
  const xInfo = inputs.x as TensorInfo;
  const x = float32Values(backend, xInfo);
  if (!x || x.length === 0) return (getKernel(Relu, 'cpu')!.kernelFunc as KernelFunc)(args as never) as TensorInfo;
  return engineUnary(backend, x, xInfo.shape, UNARY_RELU);
}

export const reluConfig: KernelConfig = {
  kernelName: Relu,
  backendName: ENGINE_BACKEND,
  kernelFunc: relu as unknown as KernelFunc,
};
