// tfjs-layers' BatchNormalization, in training on the engine, normalises through batchNormInTraining (one
// operation with its own gradient) instead of tfjs's moments and FusedBatchNorm. Its training step builds ~12
// full-size passes a layer from separate ops; no kernel can fuse across them, so the layer's call is replaced:
// on the engine, in training, for the default layout (channels last, scaled and centred); every other case
// (inference, other backends, other axes) runs tfjs's own call unchanged. The moving averages are updated as
// tfjs does.
import { getBackend, mul, serialization, sub, tidy } from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers'; // registers BatchNormalization's class
import { ENGINE_BACKEND } from './backend_name.ts';
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

type Call = (this: BatchNormLayer, inputs: Tensor | Tensor[], kwargs: { training?: boolean }) => Tensor | Tensor[];

let tfjsCall: Call | null = null;
let fused = true;

/** Turns the replacement off and on, so that `npm run bench -- engine` can time training both ways in one run. */
export function setFusedBatchNorm(on: boolean): void {
  fused = on;
}

function onlyInput(inputs: Tensor | Tensor[]): Tensor | null {
  if (!Array.isArray(inputs)) return inputs;
  return inputs.length === 1 ? inputs[0] : null;
}

function fusedCall(this: BatchNormLayer, inputs: Tensor | Tensor[], kwargs: { training?: boolean }): Tensor | Tensor[] {
  const x = onlyInput(inputs);
  const lastAxis = x !== null && (this.axis === -1 || this.axis === x.rank - 1);
  if (!fused || !kwargs?.training || getBackend() !== ENGINE_BACKEND || !x || x.rank < 2 || !lastAxis || x.dtype !== 'float32' ||
    !this.center || !this.scale || !this.gamma || !this.beta) {
    return tfjsCall!.call(this, inputs, kwargs);
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
}

/** Sends BatchNormalization layers in training on the engine through batchNormInTraining (once). */
export function replaceBatchNormTrainingCall(): void {
  if (tfjsCall) return;
  // the registered class, not a layer made to find it: making one would use up a layer name
  const registered = serialization.SerializationMap.getMap().classNameMap.BatchNormalization;
  if (!registered) return; // tfjs-layers without it: nothing to replace
  const proto = registered[0].prototype as unknown as { call: Call };
  tfjsCall = proto.call;
  proto.call = fusedCall;
}
