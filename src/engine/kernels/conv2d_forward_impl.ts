// Shared by Conv2D and _FusedConv2D: y (N,outH,outW,outC) = act(conv(x (N,H,W,inC), filter (fH,fW,inC,outC)) + bias).
import type { TensorInfo, backend_util } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { TASK_CONV_FORWARD, TASK_CONV_FORWARD_ONE_CHANNEL, allocOutput, engineRuntime, inputOffset, runEngineTask, threadsFor } from '../runtime.ts';
import { float32Values } from './matmul_impl.ts';
import { allocConvScratch, evenTilePixels, isChannelsLast, tilePixels, writeGeometry } from './conv_impl.ts';
import { packedOperandB } from './packed_b.ts';
import { forwardWinogradTile, runWinogradConv, usesWinograd, winogradFilterOperand } from './conv2d_winograd_impl.ts';
import { runSpaceToDepthConv, usesSpaceToDepth } from './conv2d_space_to_depth_impl.ts';

const ONE_CHANNEL_FLOPS_PER_THREAD = 1e5;

/** Returns null where the engine does not cover the case (caller runs the cpu kernel). */
export function engineConv2D(
  backend: MathBackendCPU,
  x: TensorInfo,
  filter: TensorInfo,
  info: backend_util.Conv2DInfo,
  bias: TensorInfo | null,
  activation: number,
): TensorInfo | null {
  const xValues = float32Values(backend, x);
  const fValues = float32Values(backend, filter);
  const biasValues = bias ? float32Values(backend, bias) : null;
  if (!xValues || !fValues || (bias && !biasValues) || !isChannelsLast(info)) return null;
  const outC = info.outChannels;
  if (biasValues && biasValues.length !== outC) return null;
  const outSize = info.batchSize * info.outHeight * info.outWidth * outC;
  if (outSize === 0) return null;
  const K = info.filterHeight * info.filterWidth * info.inChannels;

  const rt = engineRuntime();
  const { arena } = rt;
  arena.reset();
  const geom = writeGeometry(rt, info);
  const xPtr = inputOffset(rt, xValues);
  const biasPtr = biasValues ? inputOffset(rt, biasValues) : 0;
  const y = allocOutput(rt, outSize);
  if (info.inChannels === 1 && outC % 4 === 0) {
    // one input channel: direct, no im2col tile or packing (see asm conv2dForwardOneChannel); pixels are
    // cheap to share out, so a second thread from 0.1 MFLOP each (an idle worker is spinning, see threads.ts):
    // one 28x28 image's 3x3 conv to 32 channels is 0.4 MFLOP
    const pixels = info.batchSize * info.outHeight * info.outWidth;
    const threads = Math.max(1, Math.min(rt.pool.size, Math.floor((2 * outSize * K) / ONE_CHANNEL_FLOPS_PER_THREAD), pixels));
    const unitP = Math.max(16, Math.ceil(pixels / (threads * 8)));
    runEngineTask(rt, TASK_CONV_FORWARD_ONE_CHANNEL, [geom, xPtr, inputOffset(rt, fValues), biasPtr, activation, y.ptr, unitP], threads);
  } else if (usesWinograd(info)) {
    const tile = forwardWinogradTile(info);
    const filterPtr = winogradFilterOperand(rt, filter, fValues, info.inChannels, outC, 'forward', 3, 3, tile);
    runWinogradConv(rt, info, geom, xPtr, filterPtr, biasPtr, activation, y.ptr, tile);
  } else if (usesSpaceToDepth(info)) {
    const tile = forwardWinogradTile(info);
    const filterPtr = winogradFilterOperand(rt, filter, fValues, info.inChannels, outC, 'space-to-depth', info.filterHeight, info.filterWidth, tile);
    runSpaceToDepthConv(rt, info, geom, xPtr, filterPtr, biasPtr, activation, y.ptr, tile);
  } else {
    const pixels = info.batchSize * info.outHeight * info.outWidth;
    let tileP = tilePixels(K);
    const threads = Math.min(threadsFor(rt, 2 * outSize * K), Math.ceil(pixels / tileP));
    if (threads > 1) tileP = evenTilePixels(pixels, tileP, threads);
    // the filter is already the (K,outC) B matrix; packed once for every tile and thread
    const packed = packedOperandB(rt, filter, fValues, K, outC, outC, 1, threads);
    const [scratch, stride] = allocConvScratch(rt, K, outC, tileP, threads);
    runEngineTask(rt, TASK_CONV_FORWARD, [geom, xPtr, packed, biasPtr, activation, y.ptr, tileP, scratch, stride], threads);
  }
  const out = y.values();
  arena.reset();
  return backend.makeTensorInfo(info.outShape, 'float32', out);
}
