import { Tile, getKernel, util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo, TileAttrs, TileInputs } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { ENGINE_BACKEND } from '../backend_name.ts';
import { float32Values } from './matmul_impl.ts';
import { engineRepeatRows } from './normalization_impl.ts';

// Tile that only repeats x whole along axes where x has size 1, before any axis it keeps (reps 1): x (1,..,1,C)
// tiled to (N,H,W,C), as batch normalisation's gradient and Mean's broadcast do; the output is x's values
// repeated, written in wasm. tfjs cpu computes an index vector per output element. Other tilings stay with it.
export function tile(args: { inputs: TileInputs; backend: MathBackendCPU; attrs: TileAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const xInfo = inputs.x as TensorInfo;
  const x = float32Values(backend, xInfo);
  const shape = xInfo.shape, reps = attrs.reps;
  // first axis from which every rep is 1: before it, x must be 1 wide
  let k = reps.length;
  while (k > 0 && reps[k - 1] === 1) k--;
  const repeatsWhole = reps.length === shape.length && shape.slice(0, k).every((d) => d === 1);
  if (!x || !repeatsWhole || x.length === 0) return (getKernel(Tile, 'cpu')!.kernelFunc as KernelFunc)(args as never) as TensorInfo;
  const outShape = shape.map((d, i) => d * reps[i]);
  const out = engineRepeatRows(x, util.sizeFromShape(reps));
  return backend.makeTensorInfo(outShape, 'float32', out);
}

export const tileConfig: KernelConfig = {
  kernelName: Tile,
  backendName: ENGINE_BACKEND,
  kernelFunc: tile as unknown as KernelFunc,
};
