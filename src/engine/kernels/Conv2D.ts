import { Conv2D, backend_util, getKernel } from '@tensorflow/tfjs-core';
import type { Conv2DAttrs, Conv2DInputs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { ENGINE_BACKEND } from '../backend_name.ts';
import { ACTIVATION_LINEAR } from './matmul_impl.ts';
import { engineConv2D } from './conv2d_forward_impl.ts';

// y (N,outH,outW,outC) = conv(x (N,H,W,inC), filter (fH,fW,inC,outC)), NHWC; NCHW falls back to cpu.
export function conv2D(args: { inputs: Conv2DInputs; backend: MathBackendCPU; attrs: Conv2DAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x as TensorInfo, filter = inputs.filter as TensorInfo;
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
    attrs.strides, attrs.dilations, attrs.pad, attrs.dimRoundingMode, false, backend_util.convertConv2DDataFormat(attrs.dataFormat),
  );
  const result = engineConv2D(backend, x, filter, info, null, ACTIVATION_LINEAR);
  return result ?? (getKernel(Conv2D, 'cpu')!.kernelFunc as KernelFunc)(args as never) as TensorInfo;
}

export const conv2DConfig: KernelConfig = {
  kernelName: Conv2D,
  backendName: ENGINE_BACKEND,
  kernelFunc: conv2D as unknown as KernelFunc,
};
