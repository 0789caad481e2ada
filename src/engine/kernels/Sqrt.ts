import { Sqrt, getKernel } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo, UnaryInputs } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { ENGINE_BACKEND } from '../backend_name.ts';
import { float32Values } from './matmul_impl.ts';

// out = sqrt(x), float32, one plain loop (tfjs cpu calls a generic closure per element).
export function sqrt(args: { inputs: UnaryInputs; backend: MathBackendCPU; attrs?: { alpha?: number } }): TensorInfo {
  const { inputs, backend } = args;
  const xInfo = inputs.x as TensorInfo;
  const x = float32Values(backend, xInfo);
  if (!x) return (getKernel(Sqrt, 'cpu')!.kernelFunc as KernelFunc)(args as never) as TensorInfo;
  const out = new Float32Array(x.length);

  for (let i = 0; i < x.length; i++) out[i] = Math.sqrt(x[i]);
  return backend.makeTensorInfo(xInfo.shape, 'float32', out);
}

export const sqrtConfig: KernelConfig = {
  kernelName: Sqrt,
  backendName: ENGINE_BACKEND,
  kernelFunc: sqrt as unknown as KernelFunc,
};
