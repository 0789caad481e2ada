import { RealDiv, getKernel } from '@tensorflow/tfjs-core';
import type { BinaryInputs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { ENGINE_BACKEND } from '../backend_name.ts';
import { planBinary } from './broadcast_impl.ts';
import { OP_DIV, engineBinary } from './elementwise_impl.ts';

// out = a / b for float32 a, b of the same shape, a scalar, or one repeating over the other's leading axes.
export function realDiv(args: { inputs: BinaryInputs; backend: MathBackendCPU }): TensorInfo {
  const { inputs, backend } = args;
  const plan = planBinary(backend, inputs.a as TensorInfo, inputs.b as TensorInfo);
  if (!plan) return (getKernel(RealDiv, 'cpu')!.kernelFunc as KernelFunc)(args as never) as TensorInfo;
  return engineBinary(backend, plan, OP_DIV);
}

export const realDivConfig: KernelConfig = {
  kernelName: RealDiv,
  backendName: ENGINE_BACKEND,
  kernelFunc: realDiv as unknown as KernelFunc,
};
