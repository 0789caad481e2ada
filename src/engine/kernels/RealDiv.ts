import { RealDiv, getKernel } from '@tensorflow/tfjs-core';
import type { BinaryInputs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { ENGINE_BACKEND } from '../backend_name.ts';
import { Layout, binaryResult, planBinary } from './broadcast_impl.ts';

// out = a / b for float32 a, b of the same shape, a scalar, or one repeating over the other's leading axes.
export function realDiv(args: { inputs: BinaryInputs; backend: MathBackendCPU }): TensorInfo {
  const { inputs, backend } = args;
  const plan = planBinary(backend, inputs.a as TensorInfo, inputs.b as TensorInfo);
  if (!plan) return (getKernel(RealDiv, 'cpu')!.kernelFunc as KernelFunc)(args as never) as TensorInfo;
  const { a, b, outSize, inner } = plan;
  const out = new Float32Array(outSize);
  switch (plan.layout) {
    case Layout.Same:
      for (let i = 0; i < outSize; i++) out[i] = a[i] / b[i];
      break;
    case Layout.ScalarB: {
      const s = b[0];
      for (let i = 0; i < outSize; i++) out[i] = a[i] / s;
      break;
    }
    case Layout.ScalarA: {
      const s = a[0];
      for (let i = 0; i < outSize; i++) out[i] = s / b[i];
      break;
    }
    case Layout.RepeatB:
      for (let o = 0; o < outSize; o += inner) for (let j = 0; j < inner; j++) out[o + j] = a[o + j] / b[j];
      break;
    case Layout.RepeatA:
      for (let o = 0; o < outSize; o += inner) for (let j = 0; j < inner; j++) out[o + j] = a[j] / b[o + j];
      break;
  }
  return binaryResult(backend, plan, out);
}

export const realDivConfig: KernelConfig = {
  kernelName: RealDiv,
  backendName: ENGINE_BACKEND,
  kernelFunc: realDiv as unknown as KernelFunc,
};
