// tfjs-layers' Conv2D with a bias and relu, in training on the engine, runs as one operation (conv2dBiasRelu)
// instead of tfjs's conv, Add and Relu: tfjs fuses a conv's bias and relu only when no gradient is recorded.
// The layer's call is replaced on the engine, in training, for channels last, unit dilations, a bias and relu;
// every other case (inference, other backends, other activations) runs tfjs's own call unchanged.
import { getBackend } from '@tensorflow/tfjs-core';
import type { Tensor, Tensor1D, Tensor4D } from '@tensorflow/tfjs-core';
import { ENGINE_BACKEND } from './backend_name.ts';
import { conv2dBiasRelu } from './kernels/Conv2DBiasRelu.ts';
import { onlyInput, replaceLayerCall } from './layer_calls.ts';
import type { LayerCall } from './layer_calls.ts';

/** The fields of tfjs-layers' Conv2D that its call uses. */
interface Conv2DLayer {
  rank: number;
  strides: number[];
  padding: string;
  dataFormat: string;
  dilationRate: number | number[];
  activation: { getClassName(): string } | null;
  kernel: { read(): Tensor };
  bias: { read(): Tensor } | null;
}

let fused = true;

/** Turns the replacement off and on, so that `npm run bench -- engine` can time training both ways in one run. */
export function setFusedConv2DTraining(on: boolean): void {
  fused = on;
}

function oneByOne(dilation: number | number[]): boolean {
  return Array.isArray(dilation) ? dilation.every((d) => d === 1) : dilation === 1;
}

const fusedCall = (tfjsCall: LayerCall<Conv2DLayer>): LayerCall<Conv2DLayer> => function (inputs, kwargs) {
  const x = onlyInput(inputs);
  if (!fused || !kwargs?.training || getBackend() !== ENGINE_BACKEND || !x || x.rank !== 4 || x.dtype !== 'float32' || this.rank !== 2 ||
    this.dataFormat !== 'channelsLast' || !oneByOne(this.dilationRate) || this.activation?.getClassName() !== 'relu' || !this.bias ||
    (this.padding !== 'same' && this.padding !== 'valid')) {
    return tfjsCall.call(this, inputs, kwargs);
  }
  const strides: [number, number] = [this.strides[0], this.strides[1] ?? this.strides[0]];
  return conv2dBiasRelu(x as Tensor4D, this.kernel.read() as Tensor4D, this.bias.read() as Tensor1D, strides, this.padding);
};

/**
 * Sends Conv2D layers with bias and relu in training on the engine through conv2dBiasRelu (once). Conv2DTranspose
 * and Conv1D have their own calls and keep them.
 */
export function replaceConv2DTrainingCall(): void {
  replaceLayerCall('Conv2D', fusedCall);
}
