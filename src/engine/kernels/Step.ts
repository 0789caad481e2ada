import { Step, getKernel } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo, UnaryInputs } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { ENGINE_BACKEND } from '../backend_name.ts';
import { float32Values } from './matmul_impl.ts';
import { UNARY_STEP, engineUnary } from './elementwise_impl.ts';

// out = x > 0 ? 1 : alpha (NaN stays NaN): the gradient of relu, float32. For alpha 0 (relu) in wasm, four
// lanes at a time with no branch (a branch would mispredict on every other element of random activations).
export function step(args: { inputs: UnaryInputs; backend: MathBackendCPU; attrs?: { alpha?: number } }): TensorInfo {
  const { inputs, backend } = args;
  const xInfo = inputs.x as TensorInfo;
  const x = float32Values(backend, xInfo);
  if (!x) return (getKernel(Step, 'cpu')!.kernelFunc as KernelFunc)(args as never) as TensorInfo;
  const n = x.length;
  const alpha = args.attrs?.alpha ?? 0;
  if (alpha === 0 && n > 0) return engineUnary(backend, x, xInfo.shape, UNARY_STEP);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = x[i] > 0 ? 1 : x[i] !== x[i] ? NaN : alpha;
  return backend.makeTensorInfo(xInfo.shape, 'float32', out);
}

export const stepConfig: KernelConfig = {
  kernelName: Step,
  backendName: ENGINE_BACKEND,
  kernelFunc: step as unknown as KernelFunc,
};
