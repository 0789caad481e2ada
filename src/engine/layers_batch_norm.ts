// tfjs-layers' BatchNormalization, in training on the engine, normalises through batchNormInTraining (one
// operation with its own gradient) instead of tfjs's moments and FusedBatchNorm. Its training step builds ~12
// full-size passes a layer from separate ops; no kernel can fuse across them, so the layer's call is replaced:
// on the engine, in training, for the default layout (channels last, scaled and centred); every other case
// (inference, other backends, other axes) runs tfjs's own call unchanged. The moving averages are updated as
// tfjs does.
import { getBackend, mul, sub, tidy } from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { ENGINE_BACKEND } from './backend_name.ts';
import { onlyInput, replaceLayerCall } from './layer_calls.ts';
import type { LayerCall } from './layer_calls.ts';
import { batchNormInTraining } from './kernels/BatchNormTraining.ts';

interface LayerVariableLike {
  read(): Tensor;
  write(value: Tensor): void;
}

/** The fields of tfjs-layers' BatchNormalization that its training call uses. */
interface BatchNormLayer {
  axis: number;
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  gamma: LayerVariableLike | null;
  beta: LayerVariableLike | null;
  movingMean: LayerVariableLike;
  movingVariance: LayerVariableLike;
}

let fused = true;

/** Turns the replacement off and on, so that `npm run bench -- engine` can time training both ways in one run. */
export function setFusedBatchNorm(on: boolean): void {
  fused = on;
}

const fusedCall = (tfjsCall: LayerCall<BatchNormLayer>): LayerCall<BatchNormLayer> => function (inputs, kwargs) {
  const x = onlyInput(inputs);
  const lastAxis = x !== null && (this.axis === -1 || this.axis === x.rank - 1);
  if (!fused || !kwargs?.training || getBackend() !== ENGINE_BACKEND || !x || x.rank < 2 || !lastAxis || x.dtype !== 'float32' ||
    !this.center || !this.scale || !this.gamma || !this.beta) {
    return tfjsCall.call(this, inputs, kwargs);
  }
  const { gamma, beta, movingMean, movingVariance, momentum, epsilon } = this;
  return tidy(() => {
    const [y, mean, variance] = batchNormInTraining(x, gamma.read(), beta.read(), epsilon);
    const follow = (variable: LayerVariableLike, value: Tensor) => tidy(() => {
      const current = variable.read();
      variable.write(sub(current, mul(sub(current, value), 1 - momentum)));
    });
    follow(movingMean, mean);
    follow(movingVariance, variance);
    return y;
  });
};

/** Sends BatchNormalization layers in training on the engine through batchNormInTraining (once). */
export function replaceBatchNormTrainingCall(): void {
  replaceLayerCall('BatchNormalization', fusedCall);
}
