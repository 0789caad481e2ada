import { Square, getKernel } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo, UnaryInputs } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { ENGINE_BACKEND } from '../backend_name.ts';
import { float32Values } from './matmul_impl.ts';
import { UNARY_SQUARE, engineUnary } from './elementwise_impl.ts';

// out = x * x, float32, in wasm: moments' squared deviations (tfjs cpu calls a generic closure per element).
export function square(args: { inputs: UnaryInputs; backend: MathBackendCPU }): TensorInfo {
  const { inputs, backend } = args;
  const xInfo = inputs.x as TensorInfo;
  const x = float32Values(backend, xInfo);
  if (!x || x.length === 0) return (getKernel(Square, 'cpu')!.kernelFunc as KernelFunc)(args as never) as TensorInfo;
  return engineUnary(backend, x, xInfo.shape, UNARY_SQUARE);
}

export const squareConfig: KernelConfig = {
  kernelName: Square,
  backendName: ENGINE_BACKEND,
  kernelFunc: square as unknown as KernelFunc,
};
