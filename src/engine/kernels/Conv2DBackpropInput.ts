import { Conv2DBackpropInput, backend_util, getKernel } from '@tensorflow/tfjs-core';
import type { Conv2DBackpropInputAttrs, Conv2DBackpropInputInputs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { ENGINE_BACKEND } from '../backend_name.ts';
import { TASK_CONV_BACKPROP_INPUT, allocOutput, engineRuntime, inputOffset, runEngineTask, threadsFor } from '../runtime.ts';
import { ACTIVATION_LINEAR, float32Values } from './matmul_impl.ts';
import { allocConvScratch, isChannelsLast, tilePixels, writeGeometry } from './conv_impl.ts';
import { packedOperandB } from './packed_b.ts';
import { backpropInputGeometry, runWinogradConv, usesWinograd, winogradFilterOperand } from './conv2d_winograd_impl.ts';

// dx (N,H,W,inC) = col2im(dy (P,outC) * W^T (outC,K)) tile by tile; threads split whole images. 3x3 stride-1
// filters instead take the Winograd forward convolution of dy with the filter flipped (conv2d_winograd_impl.ts).
export function conv2DBackpropInput(args: { inputs: Conv2DBackpropInputInputs; backend: MathBackendCPU; attrs: Conv2DBackpropInputAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const dy = inputs.dy as TensorInfo, filter = inputs.filter as TensorInfo;
  const info = backend_util.computeConv2DInfo(
    attrs.inputShape, filter.shape as [number, number, number, number],
    attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, backend_util.convertConv2DDataFormat(attrs.dataFormat),
  );
  const dyValues = float32Values(backend, dy);
  const fValues = float32Values(backend, filter);
  const dxSize = info.batchSize * info.inHeight * info.inWidth * info.inChannels;
  if (!dyValues || !fValues || !isChannelsLast(info) || dxSize === 0) {
    return (getKernel(Conv2DBackpropInput, 'cpu')!.kernelFunc as KernelFunc)(args as never) as TensorInfo;
  }
  const K = info.filterHeight * info.filterWidth * info.inChannels, outC = info.outChannels;
  const rt = engineRuntime();
  const { arena } = rt;
  arena.reset();
  const dyPtr = inputOffset(rt, dyValues);
  const dx = allocOutput(rt, dxSize);
  const asForward = backpropInputGeometry(info);
  if (usesWinograd(asForward) && info.padInfo.top <= 2 && info.padInfo.left <= 2) {
    const filterPtr = winogradFilterOperand(rt, filter, fValues, asForward.inChannels, asForward.outChannels, 'flipped');
    runWinogradConv(rt, asForward, writeGeometry(rt, asForward), dyPtr, filterPtr, 0, ACTIVATION_LINEAR, dx.ptr);
    const out = dx.values();
    arena.reset();
    return backend.makeTensorInfo(info.inShape, 'float32', out);
  }
  const geom = writeGeometry(rt, info);
  const tileP = tilePixels(K);
  const pixels = info.batchSize * info.outHeight * info.outWidth;
  const threads = Math.min(threadsFor(rt, 2 * pixels * K * outC), info.batchSize);
  // B = W^T (outC,K): element (co,k) is filter[k*outC + co]
  const packed = packedOperandB(rt, filter, fValues, outC, K, 1, outC, threads);
  const [scratch, stride] = allocConvScratch(rt, K, outC, tileP, threads);
  runEngineTask(rt, TASK_CONV_BACKPROP_INPUT, [geom, dyPtr, packed, dx.ptr, tileP, scratch, stride], threads);
  const out = dx.values();
  arena.reset();
  return backend.makeTensorInfo(info.inShape, 'float32', out);
}

export const conv2DBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: ENGINE_BACKEND,
  kernelFunc: conv2DBackpropInput as unknown as KernelFunc,
};
