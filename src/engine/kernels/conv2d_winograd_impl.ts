// The Winograd F(2x2,3x3) path of the forward convolution (asm/winograd.ts): 2.25x fewer FLOPs than im2col
// GEMM for 3x3 stride-1 filters. Taken for small batches only, where one image's latency counts (a digit on
// the page, the server's requests): training batches keep the im2col GEMM, so a training run's numerics, and
// the weights a seed gives, stay those of the direct convolution.
import type { TensorInfo, backend_util } from '@tensorflow/tfjs-core';
import { TASK_WINOGRAD_FORWARD, inputOffset, runEngineTask, threadsFor } from '../runtime.ts';
import type { EngineRuntime } from '../runtime.ts';
import { evenTilePixels } from './conv_impl.ts';

/** Largest batch that takes the Winograd path. */
export const WINOGRAD_MAX_BATCH = 16;

// A block of T tiles keeps its transformed input and products, 16*T*(inC+outC) floats, in L2 (~256 KB).
const BLOCK_FLOATS = 65536;

/** Whether the forward convolution described by info takes the Winograd path. */
export function usesWinograd(info: backend_util.Conv2DInfo): boolean {
  return info.filterHeight === 3 && info.filterWidth === 3 && info.strideHeight === 1 && info.strideWidth === 1 &&
    info.dilationHeight === 1 && info.dilationWidth === 1 &&
    // four channels per SIMD lane group, and enough of them for the 16 GEMMs to be worth their transforms
    info.inChannels % 4 === 0 && info.outChannels % 4 === 0 && info.inChannels >= 8 &&
    info.batchSize <= WINOGRAD_MAX_BATCH;
}

/** The transformed, packed filter: from the packed-weights cache when this tensor was transformed before. */
function winogradFilterOperand(rt: EngineRuntime, filter: TensorInfo, values: Float32Array, inC: number, outC: number): number {
  const { arena, exports, cache } = rt;
  const variant = 'winograd';
  const hit = cache.get(filter.dataId, variant);
  if (hit) return hit;
  const bytes = exports.winogradFilterFloats(inC, outC) * 4;
  const dst = (cache.seenBefore(filter.dataId, variant) && cache.put(filter.dataId, variant, bytes)) || arena.alloc(bytes);
  const tmp = arena.alloc(16 * inC * outC * 4);
  exports.winogradFilter(inputOffset(rt, values), inC, outC, tmp, dst);
  return dst;
}

/** Runs the Winograd forward pass into yPtr (the caller has reset the arena and written geom). */
export function runWinogradConv(
  rt: EngineRuntime, info: backend_util.Conv2DInfo, geom: number, xPtr: number, filter: TensorInfo, fValues: Float32Array,
  biasPtr: number, activation: number, yPtr: number,
): void {
  const inC = info.inChannels, outC = info.outChannels;
  const tiles = info.batchSize * Math.ceil(info.outHeight / 2) * Math.ceil(info.outWidth / 2);
  const filterPtr = winogradFilterOperand(rt, filter, fValues, inC, outC);
  let T = Math.max(4, Math.min(64, Math.floor(BLOCK_FLOATS / (16 * (inC + outC)) / 4) * 4));
  // small batches only, so workers are usually still spinning from the previous kernel: a second thread pays
  // from a quarter of the usual work (the default model's 14x14 convolutions of one image, 3.2 MFLOP)
  const threads = Math.min(threadsFor(rt, 4 * 2 * 16 * tiles * inC * outC), Math.ceil(tiles / 4));
  if (threads > 1) T = evenTilePixels(tiles, T, threads);
  const stride = Math.ceil((rt.exports.winogradScratchFloats(inC, outC, T) * 4) / 64) * 64;
  const scratch = rt.arena.alloc(stride * threads);
  runEngineTask(rt, TASK_WINOGRAD_FORWARD, [geom, xPtr, filterPtr, biasPtr, activation, yPtr, T, scratch, stride], threads);
}
