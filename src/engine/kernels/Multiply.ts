import { Multiply, getKernel } from '@tensorflow/tfjs-core';
import type { BinaryInputs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { ENGINE_BACKEND } from '../backend_name.ts';
import { planBinary } from './broadcast_impl.ts';
import { OP_MUL, engineBinary } from './elementwise_impl.ts';

// out = a * b for float32 a, b of the same shape, a scalar, or one repeating over the other's leading axes.
export function multiply(args: { inputs: BinaryInputs; backend: MathBackendCPU }): TensorInfo {
  const { inputs, backend } = args;
  const plan = planBinary(backend, inputs.a as TensorInfo, inputs.b as TensorInfo);
  if (!plan) return (getKernel(Multiply, 'cpu')!.kernelFunc as KernelFunc)(args as never) as TensorInfo;
  return engineBinary(backend, plan, OP_MUL);
}

export const multiplyConfig: KernelConfig = {
  kernelName: Multiply,
  backendName: ENGINE_BACKEND,
  kernelFunc: multiply as unknown as KernelFunc,
};
