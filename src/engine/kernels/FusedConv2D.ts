import { FusedConv2D, backend_util, getKernel } from '@tensorflow/tfjs-core';
import type { FusedConv2DAttrs, FusedConv2DInputs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { ENGINE_BACKEND } from '../backend_name.ts';
import { activationCode } from './matmul_impl.ts';
import { engineConv2D } from './conv2d_forward_impl.ts';

// y = act(conv(x, filter) + bias (outC)): the forward pass of a tf.layers Conv2D layer (tf.fused.conv2d).
export function fusedConv2D(args: { inputs: FusedConv2DInputs; backend: MathBackendCPU; attrs: FusedConv2DAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x as TensorInfo, filter = inputs.filter as TensorInfo;
  const activation = activationCode(attrs.activation);
  let result: TensorInfo | null = null;
  if (activation !== null && !inputs.preluActivationWeights) {
    const info = backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
      attrs.strides, attrs.dilations, attrs.pad, attrs.dimRoundingMode, false, backend_util.convertConv2DDataFormat(attrs.dataFormat),
    );
    result = engineConv2D(backend, x, filter, info, (inputs.bias as TensorInfo) ?? null, activation);
  }
  return result ?? (getKernel(FusedConv2D, 'cpu')!.kernelFunc as KernelFunc)(args as never) as TensorInfo;
}

export const fusedConv2DConfig: KernelConfig = {
  kernelName: FusedConv2D,
  backendName: ENGINE_BACKEND,
  kernelFunc: fusedConv2D as unknown as KernelFunc,
};
