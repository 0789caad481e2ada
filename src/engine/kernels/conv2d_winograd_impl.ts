// The Winograd F(2x2,3x3) path of 3x3 stride-1 convolutions (asm/winograd.ts): 2.25x fewer FLOPs than im2col
// GEMM. Taken by the forward pass at every batch size (measured faster than im2col on every 3x3 shape of the
// default model and the Keras CNN, at batch 1 and at batch 128), and by the input gradient, which is such a
// convolution of dy with the filter flipped (see conv2DBackpropInput).
import type { TensorInfo, backend_util } from '@tensorflow/tfjs-core';
import { TASK_WINOGRAD_BACKPROP_FILTER, TASK_WINOGRAD_FORWARD, inputOffset, runEngineTask, threadsFor } from '../runtime.ts';
import type { EngineRuntime } from '../runtime.ts';
import { evenTilePixels } from './conv_impl.ts';

/** Batches up to this size are sized for one image's latency (small blocks, threads from little work). */
export const WINOGRAD_SMALL_BATCH = 16;

// A block of T tiles keeps its transformed input and products, 16*T*(inC+outC) floats, in L2. Small batches:
// ~256 KB blocks, at most 64 tiles, so that one image still splits between threads. Training batches: ~1 MB
// (the L2 is 2 MB a core here), at most 256 tiles. Measured at batch 128 (1 thread, CPU time, once the planes
// stopped sharing cache sets, see asm planeFloats): flat from 64 to 256 tiles on every default-model shape.
const SMALL_BLOCK_FLOATS = 65536, SMALL_MAX_T = 64;
const BIG_BLOCK_FLOATS = 262144, BIG_MAX_T = 256;

/** Whether a convolution of 3x3 filters with this geometry takes the Winograd path. */
export function usesWinograd(info: backend_util.Conv2DInfo): boolean {
  return info.filterHeight === 3 && info.filterWidth === 3 && info.strideHeight === 1 && info.strideWidth === 1 &&
    info.dilationHeight === 1 && info.dilationWidth === 1 &&
    // four channels per SIMD lane group, and enough of them for the 16 GEMMs to be worth their transforms
    info.inChannels % 4 === 0 && info.outChannels % 4 === 0 && info.inChannels >= 8;
}

/**
 * How the tensor's values become the 3x3 filter (3,3,inC,outC) that is transformed: 'forward' as they are;
 * 'flipped' for the input gradient, f turned half a turn with in and out channels swapped, so that inC and outC
 * are those of that convolution (the forward filter is (3,3,outC,inC)); 'space-to-depth' for a stride-2 filter of
 * up to 6x6 (fH,fW,inC,outC) split into a 3x3 one of 4*inC input channels (conv2d_space_to_depth_impl.ts).
 */
export type WinogradFilterLayout = 'forward' | 'flipped' | 'space-to-depth';

/**
 * The transformed, packed filter: from the packed-weights cache when this tensor was transformed before (the
 * cache is keyed by dataId, whose values never change: a training step's new weights are a new dataId).
 * inC and outC are the tensor's own ('space-to-depth': of the stride-2 filter, fH x fW).
 */
export function winogradFilterOperand(
  rt: EngineRuntime, filter: TensorInfo, values: Float32Array, inC: number, outC: number,
  layout: WinogradFilterLayout, fH = 3, fW = 3,
): number {
  const { arena, exports, cache } = rt;
  const variant = `winograd-${layout}`;
  const hit = cache.get(filter.dataId, variant);
  if (hit) return hit;
  let f = inputOffset(rt, values);
  if (layout === 'flipped') {
    const turned = arena.alloc(9 * inC * outC * 4);
    exports.flipTransposeFilter(f, outC, inC, turned);
    f = turned;
  } else if (layout === 'space-to-depth') {
    const split = arena.alloc(9 * 4 * inC * outC * 4);
    exports.spaceToDepthFilter(f, fH, fW, inC, outC, split);
    f = split;
    inC *= 4;
  }
  const bytes = exports.winogradFilterFloats(inC, outC) * 4;
  const dst = (cache.seenBefore(filter.dataId, variant) && cache.put(filter.dataId, variant, bytes)) || arena.alloc(bytes);
  const tmp = arena.alloc(16 * inC * outC * 4);
  exports.winogradFilter(f, inC, outC, tmp, dst);
  return dst;
}

/** Runs the Winograd convolution described by info into yPtr (the caller has reset the arena and written geom). */
export function runWinogradConv(
  rt: EngineRuntime, info: backend_util.Conv2DInfo, geom: number, xPtr: number, filterPtr: number,
  biasPtr: number, activation: number, yPtr: number,
): void {
  const inC = info.inChannels, outC = info.outChannels;
  const tiles = info.batchSize * Math.ceil(info.outHeight / 2) * Math.ceil(info.outWidth / 2);
  const small = info.batchSize <= WINOGRAD_SMALL_BATCH;
  const [blockFloats, maxT] = small ? [SMALL_BLOCK_FLOATS, SMALL_MAX_T] : [BIG_BLOCK_FLOATS, BIG_MAX_T];
  let T = Math.max(4, Math.min(maxT, Math.floor(blockFloats / (16 * (inC + outC)) / 4) * 4));
  // with small batches workers are usually still spinning from the previous kernel: a second thread pays
  // from a quarter of the usual work (the default model's 14x14 convolutions of one image, 3.2 MFLOP)
  const threads = Math.min(threadsFor(rt, 4 * 2 * 16 * tiles * inC * outC), Math.ceil(tiles / 4));
  if (threads > 1) T = evenTilePixels(tiles, T, threads);
  const stride = Math.ceil((rt.exports.winogradScratchFloats(inC, outC, T) * 4) / 64) * 64;
  const scratch = rt.arena.alloc(stride * threads);
  runEngineTask(rt, TASK_WINOGRAD_FORWARD, [geom, xPtr, filterPtr, biasPtr, activation, yPtr, T, scratch, stride], threads);
}

/**
 * The input gradient of a 3x3 stride-1 convolution as a forward one: dx (N,H,W,inC) = conv(dy (N,outH,outW,outC),
 * flipped filter (3,3,outC,inC)) with padding 2 - pad on the top and left (the bottom and right need none: dy
 * past its edge reads as 0). 'same' pad 1 -> 1; 'valid' pad 0 -> 2, the full convolution.
 */
export function backpropInputGeometry(info: backend_util.Conv2DInfo): backend_util.Conv2DInfo {
  return {
    ...info,
    inHeight: info.outHeight, inWidth: info.outWidth, inChannels: info.outChannels,
    outHeight: info.inHeight, outWidth: info.inWidth, outChannels: info.inChannels,
    inShape: [info.batchSize, info.outHeight, info.outWidth, info.outChannels],
    outShape: [info.batchSize, info.inHeight, info.inWidth, info.inChannels],
    padInfo: { ...info.padInfo, top: 2 - info.padInfo.top, left: 2 - info.padInfo.left, bottom: 0, right: 0 },
  };
}

/**
 * dW (3,3,inC,outC) of a 3x3 stride-1 convolution by Winograd F(3x3,2x2) into dWPtr (asm/winograd.ts), in
 * `shares` fixed shares of blocks (the same bits on any number of threads up to shares); geom is the forward
 * convolution's. Blocks of T tiles sized as the forward's for training batches, whatever the threads.
 */
export function runWinogradFilterGrad(
  rt: EngineRuntime, info: backend_util.Conv2DInfo, geom: number, xPtr: number, dyPtr: number, dWPtr: number, shares: number,
): void {
  const inC = info.inChannels, outC = info.outChannels;
  const tiles = info.batchSize * Math.ceil(info.outHeight / 2) * Math.ceil(info.outWidth / 2);
  const T = Math.max(4, Math.min(BIG_MAX_T, Math.floor(BIG_BLOCK_FLOATS / (16 * (inC + outC)) / 4) * 4));
  const blocks = Math.ceil(tiles / T);
  const used = Math.min(shares, blocks);
  const threads = Math.min(threadsFor(rt, 2 * 16 * tiles * inC * outC), used);
  const stride = Math.ceil((rt.exports.winogradFilterGradScratchFloats(inC, outC, T) * 4) / 64) * 64;
  const scratch = rt.arena.alloc(stride * used);
  runEngineTask(rt, TASK_WINOGRAD_BACKPROP_FILTER, [geom, xPtr, dyPtr, T, scratch, stride, used], threads);
  rt.exports.winogradBackpropFilterReduce(geom, dWPtr, T, scratch, stride, used);
}
