// tfjs-layers' Dropout in training on the engine, with a numeric seed and no noise shape, runs as one operation
// (dropoutInTraining) instead of tfjs's mask drawn in JavaScript and four more ops. Every other case (inference,
// other backends, an unseeded layer, a noise shape) runs tfjs's own call unchanged. The masks differ from
// tfjs's for the same seed (another generator) but are as random: each element kept with probability 1 - rate.
import { getBackend } from '@tensorflow/tfjs-core';
import { ENGINE_BACKEND } from './backend_name.ts';
import { dropoutInTraining } from './kernels/Dropout.ts';
import { onlyInput, replaceLayerCall } from './layer_calls.ts';
import type { LayerCall } from './layer_calls.ts';

/** The fields of tfjs-layers' Dropout that its call uses. */
interface DropoutLayer {
  rate: number;
  seed?: number | string;
  noiseShape?: number[] | null;
}

let fused = true;

/** Turns the replacement off and on, so that `npm run bench -- engine` can time training both ways in one run. */
export function setFusedDropout(on: boolean): void {
  fused = on;
}

const fusedCall = (tfjsCall: LayerCall<DropoutLayer>): LayerCall<DropoutLayer> => function (inputs, kwargs) {
  const x = onlyInput(inputs);
  if (!fused || !kwargs?.training || getBackend() !== ENGINE_BACKEND || !x || x.dtype !== 'float32' || !(this.rate > 0 && this.rate < 1) ||
    typeof this.seed !== 'number' || !Number.isInteger(this.seed) || this.noiseShape != null) {
    return tfjsCall.call(this, inputs, kwargs);
  }
  return dropoutInTraining(x, this.rate, this.seed);
};

/** Sends seeded Dropout layers in training on the engine through dropoutInTraining (once). */
export function replaceDropoutTrainingCall(): void {
  replaceLayerCall('Dropout', fusedCall);
}
