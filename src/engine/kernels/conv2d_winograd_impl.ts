// The Winograd paths of 3x3 stride-1 convolutions. F(2x2,3x3) (asm/winograd.ts): 2.25x fewer FLOPs than im2col
// GEMM, taken by the forward pass at every batch size (measured faster than im2col on every 3x3 shape of the
// default model and the Keras CNN, at batch 1 and at batch 128), and by the input gradient, which is such a
// convolution of dy with the filter flipped (see conv2DBackpropInput). F(4x4,3x3) (asm/winograd4.ts): 4x fewer,
// taken instead by the forward pass of batches up to 16 (reading digits), so training batches (128 by default)
// keep F(2x2,3x3)'s numerics.
import type { TensorInfo, backend_util } from '@tensorflow/tfjs-core';
import { TASK_WINOGRAD_BACKPROP_FILTER, TASK_WINOGRAD_FORWARD, TASK_WINOGRAD4_FORWARD, inputOffset, runEngineTask, threadsFor } from '../runtime.ts';
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

/** Output pixels per side of a Winograd tile: 2 for F(2x2,3x3), 4 for F(4x4,3x3). */
export type WinogradTile = 2 | 4;

let winograd4 = true;

/** Turns F(4x4,3x3) off and on, so that `npm run bench -- engine` can time the same model both ways in one run. */
export function setWinograd4(on: boolean): void {
  winograd4 = on;
}

// F(4x4,3x3)'s transformed filter is 36/16 of F(2x2,3x3)'s: the default model's come to ~4 MB, past the L2.
// A convolution of fewer 4x4 tiles than the GEMM's 4-row register tile spends more on reading it than it saves
// in multiplies (at batch 1, the default model's second strided 5x5 through space to depth: a 4x4 output, 256
// input and 64 output channels). Measured on the shipped model, one engine thread, process CPU a digit against
// F(2x2,3x3) everywhere (scratch A/B, batches 1/2/4/8): with no minimum 0.99/0.90/0.78/0.75x, a minimum of 4
// tiles 0.90/0.81/0.76/0.74x, of 9 0.92/0.85/0.80/0.77x.
const MIN_BIG_TILES = 4;

/** The tile a forward Winograd convolution uses: F(4x4,3x3) for small batches with enough tiles. */
export function forwardWinogradTile(info: backend_util.Conv2DInfo): WinogradTile {
  const tiles4 = info.batchSize * Math.ceil(info.outHeight / 4) * Math.ceil(info.outWidth / 4);
  return winograd4 && info.batchSize <= WINOGRAD_SMALL_BATCH && tiles4 >= MIN_BIG_TILES ? 4 : 2;
}

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
  layout: WinogradFilterLayout, fH = 3, fW = 3, tile: WinogradTile = 2,
): number {
  const { arena, exports, cache } = rt;
  const variant = `winograd${tile === 4 ? '4' : ''}-${layout}`;
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
  const positions = (tile + 2) ** 2; // of the transformed filter: 16 or 36
  const bytes = (tile === 4 ? exports.winograd4FilterFloats(inC, outC) : exports.winogradFilterFloats(inC, outC)) * 4;
  const dst = (cache.seenBefore(filter.dataId, variant) && cache.put(filter.dataId, variant, bytes)) || arena.alloc(bytes);
  const tmp = arena.alloc(positions * inC * outC * 4);
  (tile === 4 ? exports.winograd4Filter : exports.winogradFilter)(f, inC, outC, tmp, dst);
  return dst;
}

/**
 * Runs the Winograd convolution described by info into yPtr (the caller has reset the arena and written geom);
 * filterPtr is the operand winogradFilterOperand made for the same tile.
 */
export function runWinogradConv(
  rt: EngineRuntime, info: backend_util.Conv2DInfo, geom: number, xPtr: number, filterPtr: number,
  biasPtr: number, activation: number, yPtr: number, tile: WinogradTile = 2,
): void {
  const inC = info.inChannels, outC = info.outChannels;
  const positions = (tile + 2) ** 2;
  const tiles = info.batchSize * Math.ceil(info.outHeight / tile) * Math.ceil(info.outWidth / tile);
  const small = info.batchSize <= WINOGRAD_SMALL_BATCH;
  const [blockFloats, maxT] = small ? [SMALL_BLOCK_FLOATS, SMALL_MAX_T] : [BIG_BLOCK_FLOATS, BIG_MAX_T];
  let T = Math.max(4, Math.min(maxT, Math.floor(blockFloats / (positions * (inC + outC)) / 4) * 4));
  // with small batches workers are usually still spinning from the previous kernel: a second thread pays
  // from a quarter of the usual work (the default model's 14x14 convolutions of one image, 3.2 MFLOP)
  const threads = Math.min(threadsFor(rt, 4 * 2 * positions * tiles * inC * outC), Math.ceil(tiles / 4));
  if (threads > 1) T = evenTilePixels(tiles, T, threads);
  const scratchFloats = tile === 4 ? rt.exports.winograd4ScratchFloats(inC, outC, T) : rt.exports.winogradScratchFloats(inC, outC, T);
  const stride = Math.ceil((scratchFloats * 4) / 64) * 64;
  const scratch = rt.arena.alloc(stride * threads);
  const task = tile === 4 ? TASK_WINOGRAD4_FORWARD : TASK_WINOGRAD_FORWARD;
  runEngineTask(rt, task, [geom, xPtr, filterPtr, biasPtr, activation, yPtr, T, scratch, stride], threads);
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
