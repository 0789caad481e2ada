import { FusedBatchNorm, getKernel } from '@tensorflow/tfjs-core';
import type { FusedBatchNormAttrs, FusedBatchNormInputs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { ENGINE_BACKEND } from '../backend_name.ts';
import { float32Values } from './matmul_impl.ts';
import { engineBatchNorm } from './normalization_impl.ts';

/**
 * A per-channel parameter of batch normalisation as C doubles: its values when it has C (or 1, repeated),
 * `fallback` everywhere when absent (no scale: 1, no offset: 0); null when the engine leaves it to the cpu kernel.
 */
export function channelValues(backend: MathBackendCPU, t: TensorInfo | undefined | null, C: number, fallback: number): Float64Array | null {
  if (t == null) return new Float64Array(C).fill(fallback);
  const values = float32Values(backend, t);
  if (!values || (values.length !== C && values.length !== 1)) return null;
  return values.length === C ? Float64Array.from(values) : new Float64Array(C).fill(values[0]);
}

// y = (x - mean) * scale / sqrt(variance + epsilon) + offset, per channel (the last axis), in one wasm pass on
// both threads: batch normalisation's forward, in training (the batch's moments) and inference (moving ones).
// tfjs cpu does the same per element in JavaScript. Parameters that are not per channel stay with it.
export function fusedBatchNorm(args: { inputs: FusedBatchNormInputs; backend: MathBackendCPU; attrs: FusedBatchNormAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const xInfo = inputs.x as TensorInfo;
  const x = float32Values(backend, xInfo);
  const C = xInfo.shape[xInfo.shape.length - 1] ?? 0;
  const mean = x && C > 0 ? channelValues(backend, inputs.mean as TensorInfo, C, 0) : null;
  const variance = mean ? channelValues(backend, inputs.variance as TensorInfo, C, 1) : null;
  const scale = variance ? channelValues(backend, inputs.scale as TensorInfo | undefined, C, 1) : null;
  const offset = scale ? channelValues(backend, inputs.offset as TensorInfo | undefined, C, 0) : null;
  if (!x || !mean || !variance || !scale || !offset || x.length === 0) {
    return (getKernel(FusedBatchNorm, 'cpu')!.kernelFunc as KernelFunc)(args as never) as TensorInfo;
  }
  const epsilon = attrs.varianceEpsilon ?? 0.001;
  const factor = scale.map((s, c) => s / Math.sqrt(variance[c] + epsilon));
  return backend.makeTensorInfo(xInfo.shape, 'float32', engineBatchNorm(x, C, mean, factor, offset));
}

export const fusedBatchNormConfig: KernelConfig = {
  kernelName: FusedBatchNorm,
  backendName: ENGINE_BACKEND,
  kernelFunc: fusedBatchNorm as unknown as KernelFunc,
};
