import { Floor, getKernel } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo, UnaryInputs } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { ENGINE_BACKEND } from '../backend_name.ts';
import { float32Values } from './matmul_impl.ts';
import { UNARY_FLOOR, engineUnary } from './elementwise_impl.ts';

// out = floor(x), float32, in wasm: dropout masks (tfjs cpu calls a generic closure per element).
export function floor(args: { inputs: UnaryInputs; backend: MathBackendCPU }): TensorInfo {
  const { inputs, backend } = args;
  const xInfo = inputs.x as TensorInfo;
  const x = float32Values(backend, xInfo);
  if (!x || x.length === 0) return (getKernel(Floor, 'cpu')!.kernelFunc as KernelFunc)(args as never) as TensorInfo;
  return engineUnary(backend, x, xInfo.shape, UNARY_FLOOR);
}

export const floorConfig: KernelConfig = {
  kernelName: Floor,
  backendName: ENGINE_BACKEND,
  kernelFunc: floor as unknown as KernelFunc,
};
