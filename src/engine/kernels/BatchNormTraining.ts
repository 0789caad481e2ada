// Batch normalisation in training as one operation: y = (x - mean) * scale / sqrt(variance + epsilon) + offset
// with the batch's own per-channel mean and variance, and its gradient through them. tfjs builds the same from
// moments (Mean, Sub, Square, Mean) and FusedBatchNorm, whose gradients add Tiles, Square's gradient, a Sum
// and two Adds of x's three gradients: ~12 full-size passes a layer. Here: forward, the mean and the variance
// in one pass (EngineMoments), then the normalisation; backward, the gradient sums and one pass for dx
// (EngineBatchNormGradInput).
// Channels are the last axis and the moments are over all the others (tfjs-layers' BatchNormalization with its
// default axis); layers_batch_norm.ts sends such layers here when the engine is the backend.
import { FusedBatchNorm, customGrad, engine, tensor } from '@tensorflow/tfjs-core';
import type { GradSaveFunc, KernelConfig, KernelFunc, NamedTensorMap, Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { ENGINE_BACKEND } from '../backend_name.ts';
import { BATCH_NORM_GRAD_SUMS } from './BatchNormGrad.ts';
import { float32Values } from './matmul_impl.ts';
import { engineBatchNormGradInput, engineMoments } from './normalization_impl.ts';

/** The engine's own kernel name: (2,C) = [mean, variance (biased)] per channel over every axis but the last. */
export const MOMENTS = 'EngineMoments';

export function moments(args: { inputs: { x: TensorInfo }; backend: MathBackendCPU }): TensorInfo {
  const { inputs, backend } = args;
  const x = float32Values(backend, inputs.x);
  const C = inputs.x.shape[inputs.x.shape.length - 1] ?? 0;
  if (!x || C === 0 || x.length === 0 || x.length % C !== 0) {
    throw new Error(`${MOMENTS}: needs a non-empty float32 x with channels on its last axis; got [${inputs.x.shape}] ${inputs.x.dtype}`);
  }
  const { mean, variance } = engineMoments(x, C);
  const out = new Float32Array(2 * C);
  out.set(mean);
  out.set(variance, C);
  return backend.makeTensorInfo([2, C], 'float32', out);
}

export const momentsConfig: KernelConfig = {
  kernelName: MOMENTS,
  backendName: ENGINE_BACKEND,
  kernelFunc: moments as unknown as KernelFunc,
};

/** The engine's own kernel name: dx from x, dy and (4,C) coefficients [mean, a, b, d] (asm batchNormGradInputRows). */
export const BATCH_NORM_GRAD_INPUT = 'EngineBatchNormGradInput';

export function batchNormGradInput(args: { inputs: { x: TensorInfo; dy: TensorInfo; coefficients: TensorInfo }; backend: MathBackendCPU }): TensorInfo {
  const { inputs, backend } = args;
  const x = float32Values(backend, inputs.x), dy = float32Values(backend, inputs.dy), k = float32Values(backend, inputs.coefficients);
  const C = inputs.x.shape[inputs.x.shape.length - 1] ?? 0;
  if (!x || !dy || !k || C === 0 || x.length !== dy.length || k.length !== 4 * C || x.length % C !== 0) {
    throw new Error(`${BATCH_NORM_GRAD_INPUT}: needs float32 x and dy of one shape and (4,C) coefficients (last axis ${C}); ` +
      `got x [${inputs.x.shape}] ${inputs.x.dtype}, dy [${inputs.dy.shape}] ${inputs.dy.dtype}, coefficients [${inputs.coefficients.shape}]`);
  }
  const row = (i: number) => Float64Array.from(k.subarray(i * C, (i + 1) * C));
  return backend.makeTensorInfo(inputs.x.shape, 'float32', engineBatchNormGradInput(x, dy, C, row(0), row(1), row(2), row(3)));
}

export const batchNormGradInputConfig: KernelConfig = {
  kernelName: BATCH_NORM_GRAD_INPUT,
  backendName: ENGINE_BACKEND,
  kernelFunc: batchNormGradInput as unknown as KernelFunc,
};

/** [sum of dy, sum of dy * (x - mean)] per channel, as 2C numbers. */
function gradSums(x: Tensor, dy: Tensor, mean: Tensor): Float32Array {
  const sums = engine().runKernel(BATCH_NORM_GRAD_SUMS, { x, dy, mean } as unknown as NamedTensorMap) as Tensor;
  const values = sums.dataSync() as Float32Array;
  sums.dispose();
  return values;
}

/**
 * Normalises x (...,C), a float32 tensor on the engine, with its own moments over every axis but the last;
 * scale and offset are (C). Returns [y, mean (C), variance (C)]: the layer's output, and the moments its moving
 * averages follow (the biased variance, as tfjs's moments). Only y has a gradient (to x, scale and offset).
 */
export function batchNormInTraining(x: Tensor, scale: Tensor, offset: Tensor, epsilon: number): [Tensor, Tensor, Tensor] {
  const C = x.shape[x.rank - 1] ?? 0;
  const N = x.size / C;
  const stats = engine().runKernel(MOMENTS, { x } as unknown as NamedTensorMap) as Tensor;
  const values = stats.dataSync() as Float32Array;
  stats.dispose();
  const m = values.slice(0, C);
  const mean = tensor(m, [C]), variance = tensor(values.slice(C), [C]);
  const scaleValues = Float64Array.from(scale.dataSync());
  const inv = Float64Array.from(values.subarray(C), (v) => 1 / Math.sqrt(v + epsilon));
  const normalise = customGrad((...args: (Tensor | GradSaveFunc)[]) => {
    const [xIn, scaleIn, offsetIn, save] = args as [Tensor, Tensor, Tensor, GradSaveFunc];
    save([xIn]);
    const y = engine().runKernel(FusedBatchNorm, { x: xIn, mean, variance, scale: scaleIn, offset: offsetIn } as unknown as NamedTensorMap,
      { varianceEpsilon: epsilon } as never) as Tensor;
    return {
      value: y,
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [xSaved] = saved;
        const meanAgain = tensor(m, [C]); // the layer's tidy has disposed mean by now
        const sums = gradSums(xSaved, dy, meanAgain);
        meanAgain.dispose();
        const coefficients = new Float32Array(4 * C);
        for (let c = 0; c < C; c++) {
          const a = scaleValues[c] * inv[c];
          coefficients[c] = m[c];
          coefficients[C + c] = a;
          coefficients[2 * C + c] = (-a * inv[c] * inv[c] * sums[C + c]) / N;
          coefficients[3 * C + c] = (-a * sums[c]) / N;
        }
        const k = tensor(coefficients, [4, C]);
        const dx = engine().runKernel(BATCH_NORM_GRAD_INPUT, { x: xSaved, dy, coefficients: k } as unknown as NamedTensorMap) as Tensor;
        k.dispose();
        return [
          dx,
          tensor(Float32Array.from({ length: C }, (_, c) => inv[c] * sums[C + c]), scale.shape),
          tensor(sums.slice(0, C), offset.shape),
        ];
      },
    };
  });
  return [normalise(x, scale, offset) as Tensor, mean, variance];
}
