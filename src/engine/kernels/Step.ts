import { Step, getKernel } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo, UnaryInputs } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { ENGINE_BACKEND } from '../backend_name.ts';
import { float32Values } from './matmul_impl.ts';

// out = x > 0 ? 1 : alpha (NaN stays NaN): the gradient of relu, float32, one plain loop (tfjs cpu calls a generic closure per element).
export function step(args: { inputs: UnaryInputs; backend: MathBackendCPU; attrs?: { alpha?: number } }): TensorInfo {
  const { inputs, backend } = args;
  const xInfo = inputs.x as TensorInfo;
  const x = float32Values(backend, xInfo);
  if (!x) return (getKernel(Step, 'cpu')!.kernelFunc as KernelFunc)(args as never) as TensorInfo;
  const out = new Float32Array(x.length);
  const alpha = args.attrs?.alpha ?? 0;
  for (let i = 0; i < x.length; i++) out[i] = x[i] > 0 ? 1 : x[i] !== x[i] ? NaN : alpha;
  return backend.makeTensorInfo(xInfo.shape, 'float32', out);
}

export const stepConfig: KernelConfig = {
  kernelName: Step,
  backendName: ENGINE_BACKEND,
  kernelFunc: step as unknown as KernelFunc,
};
