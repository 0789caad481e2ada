import { Conv2DBackpropFilter, backend_util, getKernel } from '@tensorflow/tfjs-core';
import type { Conv2DBackpropFilterAttrs, Conv2DBackpropFilterInputs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { ENGINE_BACKEND } from '../backend_name.ts';
import { TASK_CONV_BACKPROP_FILTER, allocOutput, engineRuntime, inputOffset, runEngineTask, threadsFor } from '../runtime.ts';
import { float32Values } from './matmul_impl.ts';
import { allocConvScratch, isChannelsLast, tilePixels, writeGeometry } from './conv_impl.ts';
import { runWinogradFilterGrad, usesWinograd } from './conv2d_winograd_impl.ts';

// dW (fH,fW,inC,outC) = sum over output pixels of im2col(x)^T (K,P) * dy (P,outC), tile by tile, in fixed shares
// (share s: tiles s, s+shares, ...) each summed into its own dW, then added in order (asm/conv.ts). 3x3 stride-1
// filters instead take Winograd F(3x3,2x2) (asm/winograd.ts), in shares the same way.
const FILTER_SHARES = 4;
export function conv2DBackpropFilter(args: { inputs: Conv2DBackpropFilterInputs; backend: MathBackendCPU; attrs: Conv2DBackpropFilterAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x as TensorInfo, dy = inputs.dy as TensorInfo;
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], attrs.filterShape,
    attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, backend_util.convertConv2DDataFormat(attrs.dataFormat),
  );
  const xValues = float32Values(backend, x);
  const dyValues = float32Values(backend, dy);
  const pixels = info.batchSize * info.outHeight * info.outWidth;
  if (!xValues || !dyValues || !isChannelsLast(info) || pixels === 0) {
    return (getKernel(Conv2DBackpropFilter, 'cpu')!.kernelFunc as KernelFunc)(args as never) as TensorInfo;
  }
  const K = info.filterHeight * info.filterWidth * info.inChannels, outC = info.outChannels;
  const rt = engineRuntime();
  const { arena, exports } = rt;
  arena.reset();
  const geom = writeGeometry(rt, info);
  const xPtr = inputOffset(rt, xValues);
  const dyPtr = inputOffset(rt, dyValues);
  const dW = allocOutput(rt, K * outC);
  const dWPtr = dW.ptr;
  if (usesWinograd(info)) {
    runWinogradFilterGrad(rt, info, geom, xPtr, dyPtr, dWPtr, FILTER_SHARES);
    const out = dW.values();
    arena.reset();
    return backend.makeTensorInfo(info.filterShape, 'float32', out);
  }
  const tileP = tilePixels(K);
  const tiles = Math.ceil(pixels / tileP);
  const threads = Math.min(threadsFor(rt, 2 * pixels * K * outC), tiles);
  // dW is summed in a fixed number of shares, whatever the thread count (up to FILTER_SHARES threads), so the
  // same inputs give the same dW to the bit on 1 thread or 4; more shares than threads also balance the load
  const shares = Math.min(Math.max(FILTER_SHARES, threads), tiles);
  const [scratch, stride] = allocConvScratch(rt, K, outC, tileP, shares);
  exports.conv2dBackpropFilterZero(geom, dWPtr, tileP, scratch, stride, shares);
  runEngineTask(rt, TASK_CONV_BACKPROP_FILTER, [geom, xPtr, dyPtr, dWPtr, tileP, scratch, stride, shares], threads);
  exports.conv2dBackpropFilterReduce(geom, dWPtr, tileP, scratch, stride, shares);
  const out = dW.values();
  arena.reset();
  return backend.makeTensorInfo(info.filterShape, 'float32', out);
}

export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: ENGINE_BACKEND,
  kernelFunc: conv2DBackpropFilter as unknown as KernelFunc,
};
