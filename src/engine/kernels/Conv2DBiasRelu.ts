// A conv layer with bias and relu in training as one operation: y = relu(conv(x, filter) + bias), the bias and
// relu applied in the convolution's epilogue as in inference (FusedConv2D), and its gradient: relu's and the
// bias's in one pass (EngineReluGradBias), then the convolution's two. tfjs fuses a conv's relu only when no
// gradient is recorded; in training it runs conv, Add and Relu as three ops, and their gradients as ReluGrad, a
// Sum and the convolution's: two full-size passes more a layer forward and one backward.
// layers_conv2d.ts sends tfjs-layers' Conv2D layers (channels last, relu, with bias) here on the engine.
import { Conv2DBackpropFilter, Conv2DBackpropInput, engine, registerGradient } from '@tensorflow/tfjs-core';
import type { GradConfig, KernelConfig, KernelFunc, NamedAttrMap, NamedTensorMap, Tensor, Tensor1D, Tensor4D, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { ENGINE_BACKEND } from '../backend_name.ts';
import { engineReluGradBias } from './elementwise_impl.ts';
import { fusedConv2D } from './FusedConv2D.ts';
import { float32Values } from './matmul_impl.ts';

/** The engine's own kernel names: the forward, and relu's gradient with the bias's. */
export const CONV2D_BIAS_RELU = 'EngineConv2DBiasRelu';
export const RELU_GRAD_BIAS = 'EngineReluGradBias';

export interface Conv2DBiasReluAttrs {
  strides: [number, number];
  pad: 'same' | 'valid';
}

export function conv2DBiasRelu(args: { inputs: { x: TensorInfo; filter: TensorInfo; bias: TensorInfo }; backend: MathBackendCPU; attrs: Conv2DBiasReluAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  return fusedConv2D({
    inputs, backend,
    attrs: { strides: attrs.strides, pad: attrs.pad, dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined, activation: 'relu', leakyreluAlpha: 0 },
  } as never);
}

export const conv2DBiasReluConfig: KernelConfig = {
  kernelName: CONV2D_BIAS_RELU,
  backendName: ENGINE_BACKEND,
  kernelFunc: conv2DBiasRelu as unknown as KernelFunc,
};

/** [dz, db]: dz = y > 0 ? dy : 0 for y the relu's output (...,C), and db (C) the sum of dz over every axis but the last. */
export function reluGradBias(args: { inputs: { dy: TensorInfo; y: TensorInfo }; backend: MathBackendCPU }): TensorInfo[] {
  const { inputs, backend } = args;
  const dy = float32Values(backend, inputs.dy), y = float32Values(backend, inputs.y);
  const C = inputs.y.shape[inputs.y.shape.length - 1] ?? 0;
  if (!dy || !y || C === 0 || dy.length !== y.length || y.length === 0 || y.length % C !== 0) {
    throw new Error(`${RELU_GRAD_BIAS}: needs float32 dy and y of one non-empty shape with channels last; ` +
      `got dy [${inputs.dy.shape}] ${inputs.dy.dtype}, y [${inputs.y.shape}] ${inputs.y.dtype}`);
  }
  const { dz, db } = engineReluGradBias(dy, y, C);
  return [backend.makeTensorInfo(inputs.y.shape, 'float32', dz), backend.makeTensorInfo([C], 'float32', db)];
}

export const reluGradBiasConfig: KernelConfig = {
  kernelName: RELU_GRAD_BIAS,
  backendName: ENGINE_BACKEND,
  kernelFunc: reluGradBias as unknown as KernelFunc,
};

// The gradient: dz and db once, then dx and dfilter only where the tape asks for them (not the input images').
const conv2DBiasReluGradient: GradConfig = {
  kernelName: CONV2D_BIAS_RELU,
  inputsToSave: ['x', 'filter'],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter, y] = saved as Tensor[];
    const { strides, pad } = attrs as unknown as Conv2DBiasReluAttrs;
    const [dz, db] = engine().runKernel(RELU_GRAD_BIAS, { dy, y } as unknown as NamedTensorMap) as Tensor[];
    const common = { strides, pad, dataFormat: 'NHWC', dimRoundingMode: undefined };
    return {
      x: () => engine().runKernel(Conv2DBackpropInput, { dy: dz, filter } as unknown as NamedTensorMap, { ...common, inputShape: x.shape } as unknown as NamedAttrMap) as Tensor,
      filter: () => engine().runKernel(Conv2DBackpropFilter, { x, dy: dz } as unknown as NamedTensorMap, { ...common, filterShape: filter.shape } as unknown as NamedAttrMap) as Tensor,
      bias: () => db,
    };
  },
};

/** Registers the operation's gradient (its kernels are in ENGINE_KERNELS). */
export function registerConv2DBiasReluGradient(): void {
  registerGradient(conv2DBiasReluGradient);
}

/** relu(conv(x, filter) + bias) in NHWC with unit dilations, as one recorded operation with its own gradient. */
export function conv2dBiasRelu(x: Tensor4D, filter: Tensor4D, bias: Tensor1D, strides: [number, number], pad: 'same' | 'valid'): Tensor4D {
  return engine().runKernel(CONV2D_BIAS_RELU, { x, filter, bias } as unknown as NamedTensorMap, { strides, pad } as unknown as NamedAttrMap) as Tensor4D;
}
