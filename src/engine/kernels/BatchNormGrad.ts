// Batch normalisation's gradient in two passes over (N,H,W,C) instead of tfjs's dozen. tfjs's registered
// gradient of FusedBatchNorm builds x - mean, dy * scale, a tiled 1/sqrt(variance + epsilon) and six more
// full-size products, then four sums; but per channel (inv = 1/sqrt(variance + epsilon)) it only needs
//   S1 = sum of dy, S2 = sum of dy * (x - mean)                    (one pass: EngineBatchNormGradSums)
//   dx = dy * inv * scale                                          (one pass: a per-channel Multiply)
//   dmean = -inv * scale * S1, dvariance = -inv^3 * scale * S2 / 2, dscale = inv * S2, doffset = S1.
// Mean's gradient (dy / count at every position averaged) becomes one Tile instead of ones * dy / count.
// Both are registered as the gradients whenever the engine is the backend; other backends and other cases
// (non-channel parameters, averages not over leading axes) get tfjs's own, unchanged.
import { FusedBatchNorm, Mean, div, engine, getBackend, getGradient, mul, registerGradient, reshape, tensor, tile, util } from '@tensorflow/tfjs-core';
import type { GradConfig, KernelConfig, KernelFunc, NamedAttrMap, NamedTensorMap, Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { ENGINE_BACKEND } from '../backend_name.ts';
import { float32Values } from './matmul_impl.ts';
import { engineBatchNormGradSums } from './normalization_impl.ts';

/** The engine's own kernel name: (2,C) = [sum of dy, sum of dy * (x - mean)] per channel. */
export const BATCH_NORM_GRAD_SUMS = 'EngineBatchNormGradSums';

export function batchNormGradSums(args: { inputs: { x: TensorInfo; dy: TensorInfo; mean: TensorInfo }; backend: MathBackendCPU }): TensorInfo {
  const { inputs, backend } = args;
  const x = float32Values(backend, inputs.x), dy = float32Values(backend, inputs.dy), mean = float32Values(backend, inputs.mean);
  const C = inputs.x.shape[inputs.x.shape.length - 1] ?? 0;
  if (!x || !dy || !mean || C === 0 || x.length !== dy.length || mean.length !== C || x.length % C !== 0) {
    throw new Error(`${BATCH_NORM_GRAD_SUMS}: needs float32 x and dy of one shape and a mean per channel (last axis ${C}); ` +
      `got x [${inputs.x.shape}] ${inputs.x.dtype}, dy [${inputs.dy.shape}] ${inputs.dy.dtype}, mean [${inputs.mean.shape}] ${inputs.mean.dtype}`);
  }
  return backend.makeTensorInfo([2, C], 'float32', engineBatchNormGradSums(x, dy, C, Float64Array.from(mean)));
}

export const batchNormGradSumsConfig: KernelConfig = {
  kernelName: BATCH_NORM_GRAD_SUMS,
  backendName: ENGINE_BACKEND,
  kernelFunc: batchNormGradSums as unknown as KernelFunc,
};

const onEngine = () => getBackend() === ENGINE_BACKEND;
const isF32 = (t: Tensor | undefined) => t === undefined || t.dtype === 'float32';

// tfjs's own gradients, kept for the cases the engine's do not cover (captured once: registration may repeat)
let tfjsBatchNormGradient: GradConfig | null = null;
let tfjsMeanGradient: GradConfig | null = null;

const batchNormGradient: GradConfig = {
  kernelName: FusedBatchNorm,
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dyIn, saved, attrs) => {
    const [x, mean, variance, scale] = saved as (Tensor | undefined)[] as [Tensor, Tensor, Tensor, Tensor | undefined];
    const dy = dyIn as Tensor;
    const C = x.shape[x.rank - 1] ?? 0;
    const perChannel = (t: Tensor | undefined) => t === undefined || t.size === C;
    if (!onEngine() || C === 0 || x.size === 0 || ![x, dy, mean, variance, scale].every(isF32) || mean.size !== C || !perChannel(variance) || !perChannel(scale)) {
      return tfjsBatchNormGradient!.gradFunc(dyIn, saved, attrs);
    }
    const epsilon = (attrs as { varianceEpsilon?: number }).varianceEpsilon ?? 0.001;
    const sumsTensor = engine().runKernel(BATCH_NORM_GRAD_SUMS, { x, dy, mean: reshape(mean, [C]) } as unknown as NamedTensorMap) as Tensor;
    const sums = sumsTensor.dataSync();
    sumsTensor.dispose();
    const varianceValues = variance.dataSync(), scaleValues = scale ? scale.dataSync() : new Float32Array(C).fill(1);
    const inv = Float64Array.from(varianceValues, (v) => 1 / Math.sqrt(v + epsilon));
    const perChannelOf = (f: (c: number) => number) => Float32Array.from({ length: C }, (_, c) => f(c));
    return {
      x: () => reshape(mul(dy, tensor(perChannelOf((c) => inv[c] * scaleValues[c]), [C])), x.shape),
      mean: () => tensor(perChannelOf((c) => -inv[c] * scaleValues[c] * sums[c]), mean.shape),
      variance: () => tensor(perChannelOf((c) => -0.5 * inv[c] ** 3 * scaleValues[c] * sums[C + c]), variance.shape),
      scale: () => tensor(perChannelOf((c) => inv[c] * sums[C + c]), scale ? scale.shape : [C]),
      offset: () => tensor(perChannelOf((c) => sums[c]), mean.shape),
    };
  },
};

const meanGradient: GradConfig = {
  kernelName: Mean,
  inputsToSave: ['x'],
  gradFunc: (dyIn, saved, attrs) => {
    const [x] = saved;
    const dy = dyIn as Tensor;
    const axes = util.parseAxisParam((attrs as NamedAttrMap).axis as number | number[], x.shape).sort((p, q) => p - q);
    const leading = axes.length > 0 && axes.every((axis, i) => axis === i);
    if (!onEngine() || !leading || x.dtype !== 'float32' || dy.dtype !== 'float32') return tfjsMeanGradient!.gradFunc(dyIn, saved, attrs);
    const count = util.sizeFromShape(x.shape.slice(0, axes.length));
    // dy (the kept axes) / count, expanded to (1,..,1,kept) and repeated over the averaged axes
    const expanded = x.shape.map((d, i) => (i < axes.length ? 1 : d));
    const reps = x.shape.map((d, i) => (i < axes.length ? d : 1));
    return { x: () => tile(reshape(div(dy, count), expanded), reps) };
  },
};

/** Makes FusedBatchNorm's and Mean's gradients use the engine's passes when the engine is the backend. */
export function registerBatchNormGradients(): void {
  if (!tfjsBatchNormGradient) tfjsBatchNormGradient = getGradient(FusedBatchNorm);
  if (!tfjsMeanGradient) tfjsMeanGradient = getGradient(Mean);
  if (!tfjsBatchNormGradient || !tfjsMeanGradient) return; // tfjs without them: nothing to replace
  registerGradient(batchNormGradient);
  registerGradient(meanGradient);
}
