// tfjs-layers' layers whose call the engine replaces in training (BatchNormalization, Conv2D, Dropout): each
// fuses what tfjs runs as several ops, which no kernel can fuse across. Reached through the class registry, not
// by making a layer (which would use up a layer name); the class keeps its name and file format.
import { serialization } from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers'; // registers the layer classes

export type LayerCall<L> = (this: L, inputs: Tensor | Tensor[], kwargs: { training?: boolean }) => Tensor | Tensor[];

const replaced = new Set<string>();

/**
 * Sets the registered class `className`'s call to `make(its own call)`, once. The new call is an own property of
 * that class's prototype, so subclasses with their own call keep it. Without the class registered, nothing changes.
 */
export function replaceLayerCall<L>(className: string, make: (tfjsCall: LayerCall<L>) => LayerCall<L>): void {
  if (replaced.has(className)) return;
  const registered = serialization.SerializationMap.getMap().classNameMap[className];
  if (!registered) return;
  const proto = registered[0].prototype as unknown as { call: LayerCall<L> };
  proto.call = make(proto.call);
  replaced.add(className);
}

/** The one input tensor of a layer's call, or null when it has several. */
export function onlyInput(inputs: Tensor | Tensor[]): Tensor | null {
  if (!Array.isArray(inputs)) return inputs;
  return inputs.length === 1 ? inputs[0] : null;
}
