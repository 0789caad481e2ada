import { BatchMatMul, getKernel } from '@tensorflow/tfjs-core';
import type { BatchMatMulAttrs, BatchMatMulInputs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { ACTIVATION_LINEAR, engineMatMul } from './matmul_impl.ts';
import { ENGINE_BACKEND } from '../backend_name.ts';

// c (batch,M,N) = op(a) (batch,M,K) * op(b) (batch,K,N); tf.matMul and tf.layers' gradients land here.
export function batchMatMul(args: { inputs: BatchMatMulInputs; backend: MathBackendCPU; attrs: BatchMatMulAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const result = engineMatMul(backend, inputs.a as TensorInfo, inputs.b as TensorInfo, attrs.transposeA, attrs.transposeB, null, ACTIVATION_LINEAR);
  return result ?? (getKernel(BatchMatMul, 'cpu')!.kernelFunc as KernelFunc)(args as never) as TensorInfo;
}

export const batchMatMulConfig: KernelConfig = {
  kernelName: BatchMatMul,
  backendName: ENGINE_BACKEND,
  kernelFunc: batchMatMul as unknown as KernelFunc,
};
