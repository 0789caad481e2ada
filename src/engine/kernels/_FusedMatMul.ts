import { _FusedMatMul, getKernel } from '@tensorflow/tfjs-core';
import type { _FusedMatMulAttrs, _FusedMatMulInputs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { activationCode, engineMatMul } from './matmul_impl.ts';
import { ENGINE_BACKEND } from '../backend_name.ts';

// c (batch,M,N) = act(op(a) * op(b) + bias (N)): the forward pass of a tf.layers Dense layer (tf.fused.matMul).
export function fusedMatMul(args: { inputs: _FusedMatMulInputs; backend: MathBackendCPU; attrs: _FusedMatMulAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const activation = activationCode(attrs.activation);
  const result =
    activation === null || inputs.preluActivationWeights
      ? null
      : engineMatMul(backend, inputs.a as TensorInfo, inputs.b as TensorInfo, attrs.transposeA, attrs.transposeB, (inputs.bias as TensorInfo) ?? null, activation);
  return result ?? (getKernel(_FusedMatMul, 'cpu')!.kernelFunc as KernelFunc)(args as never) as TensorInfo;
}

export const fusedMatMulConfig: KernelConfig = {
  kernelName: _FusedMatMul,
  backendName: ENGINE_BACKEND,
  kernelFunc: fusedMatMul as unknown as KernelFunc,
};
