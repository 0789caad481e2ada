// Dropout in training as one operation: y = x * mask / keep, the mask drawn in wasm from each element's index and
// a key made from the layer's seed (asm dropoutRange). tfjs draws the mask in JavaScript (seedrandom's alea, ~9 ns
// a number: ~6.7 ms of the default model's step for its three dropout layers), then adds, floors, divides and
// multiplies: five ops. The gradient is the same pass over dy with the same key: the mask is drawn again, not kept.
import { engine, registerGradient } from '@tensorflow/tfjs-core';
import type { GradConfig, KernelConfig, KernelFunc, NamedAttrMap, NamedTensorMap, Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { ENGINE_BACKEND } from '../backend_name.ts';
import { engineDropout } from './elementwise_impl.ts';
import { float32Values } from './matmul_impl.ts';

/** The engine's own kernel name. */
export const DROPOUT = 'EngineDropout';

export interface DropoutAttrs {
  rate: number; // the fraction dropped, in (0, 1)
  key: number; // a u32 drawn from the seed: the mask is a function of (key, index)
}

export function dropout(args: { inputs: { x: TensorInfo }; backend: MathBackendCPU; attrs: DropoutAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = float32Values(backend, inputs.x);
  if (!x || !(attrs.rate > 0 && attrs.rate < 1)) {
    throw new Error(`${DROPOUT}: needs a float32 x and a rate in (0, 1); got [${inputs.x.shape}] ${inputs.x.dtype}, rate ${attrs.rate}`);
  }
  const keep = Math.fround(1 - attrs.rate);
  const threshold = Math.min(2 ** 32 - 1, Math.round(keep * 2 ** 32)); // kept where hash < threshold: P = keep
  // tfjs scales by 1 / keep in float32 (floor(u + keep) / keep): the same factor
  return engineDropout(backend, x, inputs.x.shape, attrs.key, threshold, Math.fround(1 / keep));
}

export const dropoutConfig: KernelConfig = {
  kernelName: DROPOUT,
  backendName: ENGINE_BACKEND,
  kernelFunc: dropout as unknown as KernelFunc,
};

const dropoutGradient: GradConfig = {
  kernelName: DROPOUT,
  gradFunc: (dy, _saved, attrs) => ({ x: () => runDropout(dy as Tensor, attrs as unknown as DropoutAttrs) }),
};

/** Registers the operation's gradient (its kernel is in ENGINE_KERNELS). */
export function registerDropoutGradient(): void {
  registerGradient(dropoutGradient);
}

const runDropout = (x: Tensor, attrs: DropoutAttrs) => engine().runKernel(DROPOUT, { x } as unknown as NamedTensorMap, attrs as unknown as NamedAttrMap) as Tensor;

/** Chris Wellons's lowbias32, as asm/elementwise.ts's, on one number. */
function lowbias32(v: number): number {
  v ^= v >>> 16;
  v = Math.imul(v, 0x7feb352d);
  v ^= v >>> 15;
  v = Math.imul(v, 0x846ca68b);
  return (v ^ (v >>> 16)) >>> 0;
}

/** The u32 key of an integer seed (any size a double holds exactly): its two 32-bit halves hashed together. */
export function dropoutKey(seed: number): number {
  return lowbias32((seed >>> 0) ^ lowbias32((Math.floor(seed / 2 ** 32) >>> 0) + 0x9e3779b9));
}

/** x with a fraction `rate` of its elements zeroed and the rest scaled by 1 / (1 - rate); the mask is a function of `seed`. */
export function dropoutInTraining(x: Tensor, rate: number, seed: number): Tensor {
  return runDropout(x, { rate, key: dropoutKey(seed) });
}
