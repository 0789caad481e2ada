// Stride-2 convolutions with 5x5 and 6x6 filters as Winograd 3x3 stride-1 ones over the input rearranged space to
// depth (asm/space_to_depth.ts): 16 multiplies per output pixel and channel pair instead of 25 (5x5) or 36. Taken
// by the forward pass of small batches (the default model's two strided 5x5 convolutions when it reads digits):
// 8-17% less model CPU a digit at batches of 1-4. Training batches keep im2col: a step of 128 was only 1-7%
// faster, not worth changing the numerics the shipped model was trained with (its run reproduces bit for bit).
import type { backend_util } from '@tensorflow/tfjs-core';
import type { EngineRuntime } from '../runtime.ts';
import { writeGeometry } from './conv_impl.ts';
import { WINOGRAD_SMALL_BATCH, runWinogradConv } from './conv2d_winograd_impl.ts';
import type { WinogradTile } from './conv2d_winograd_impl.ts';

let enabled = true;

/** Turns the path off and on, so that `npm run bench -- engine` can time the same model both ways in one run. */
export function setSpaceToDepth(on: boolean): void {
  enabled = on;
}

/** Whether a convolution with this geometry takes the space-to-depth Winograd path. */
export function usesSpaceToDepth(info: backend_util.Conv2DInfo): boolean {
  const big = (size: number) => size === 5 || size === 6; // 4x4: 16 multiplies either way, 3x3: more
  return enabled && info.batchSize <= WINOGRAD_SMALL_BATCH && info.strideHeight === 2 && info.strideWidth === 2 && info.dilationHeight === 1 && info.dilationWidth === 1 &&
    big(info.filterHeight) && big(info.filterWidth) && info.inChannels % 4 === 0 && info.outChannels % 4 === 0;
}

/** The 3x3 'valid' stride-1 convolution over the rearranged input that computes the stride-2 one. */
export function spaceToDepthGeometry(info: backend_util.Conv2DInfo): backend_util.Conv2DInfo {
  const inHeight = info.outHeight + 2, inWidth = info.outWidth + 2, inChannels = 4 * info.inChannels;
  return {
    ...info,
    inHeight, inWidth, inChannels,
    inShape: [info.batchSize, inHeight, inWidth, inChannels],
    filterHeight: 3, filterWidth: 3, effectiveFilterHeight: 3, effectiveFilterWidth: 3,
    filterShape: [3, 3, inChannels, info.outChannels],
    strideHeight: 1, strideWidth: 1,
    padInfo: { top: 0, left: 0, bottom: 0, right: 0, type: 'VALID' },
  };
}

/**
 * y = act(conv(x) + bias) for a convolution usesSpaceToDepth accepts; geom is its own geometry, filterPtr the
 * operand from winogradFilterOperand(..., 'space-to-depth', fH, fW, tile). The caller has reset the arena.
 */
export function runSpaceToDepthConv(
  rt: EngineRuntime, info: backend_util.Conv2DInfo, geom: number, xPtr: number, filterPtr: number,
  biasPtr: number, activation: number, yPtr: number, tile: WinogradTile,
): void {
  const asStrideOne = spaceToDepthGeometry(info);
  const rearranged = rt.arena.alloc(info.batchSize * asStrideOne.inHeight * asStrideOne.inWidth * asStrideOne.inChannels * 4);
  rt.exports.spaceToDepthInput(geom, xPtr, rearranged);
  runWinogradConv(rt, asStrideOne, writeGeometry(rt, asStrideOne), rearranged, filterPtr, biasPtr, activation, yPtr, tile);
}
