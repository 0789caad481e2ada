import { Relu, getKernel } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo, UnaryInputs } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { ENGINE_BACKEND } from '../backend_name.ts';
import { float32Values } from './matmul_impl.ts';

// out = max(x, 0) (NaN stays NaN), float32, one plain loop (tfjs cpu calls a generic closure per element).
export function relu(args: { inputs: UnaryInputs; backend: MathBackendCPU; attrs?: { alpha?: number } }): TensorInfo {
  const { inputs, backend } = args;
  const xInfo = inputs.x as TensorInfo;
  const x = float32Values(backend, xInfo);
  if (!x) return (getKernel(Relu, 'cpu')!.kernelFunc as KernelFunc)(args as never) as TensorInfo;
  const out = new Float32Array(x.length);

  for (let i = 0; i < x.length; i++) out[i] = x[i] < 0 ? 0 : x[i];
  return backend.makeTensorInfo(xInfo.shape, 'float32', out);
}

export const reluConfig: KernelConfig = {
  kernelName: Relu,
  backendName: ENGINE_BACKEND,
  kernelFunc: relu as unknown as KernelFunc,
};
