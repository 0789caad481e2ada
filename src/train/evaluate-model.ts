// Runs a TensorFlow.js layers model over many 28x28 images in batches and gives back logits, whatever the
// model's last layer: a softmax output is turned back into logits (log-probabilities), so temperature scaling
// and the cross-entropy see the same numbers either way.
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { DIGIT_CLASSES } from './evaluate.ts';

const PIXELS = 28 * 28;

/** Whether the model's last layer ends in a softmax, i.e. it outputs probabilities rather than logits. */
export function outputsProbabilities(model: LayersModel): boolean {
  const last = model.layers[model.layers.length - 1];
  if (!last) return false;
  const config = last.getConfig() as { activation?: unknown };
  return config.activation === 'softmax' || last.getClassName() === 'Softmax';
}

/**
 * Logits, (count, 10), for `images`, (count, 28, 28) in 0..1, `batchSize` images per model call.
 * `onBatch` hears how many images are done, for progress.
 */
export async function modelLogits(
  model: LayersModel,
  images: Float32Array,
  count: number,
  options: { batchSize?: number; onBatch?: (done: number) => void } = {},
): Promise<Float32Array> {
  if (images.length < count * PIXELS) throw new RangeError(`expected ${count} images of 28x28, got ${images.length} values`);
  const batchSize = options.batchSize ?? 256;
  const probabilities = outputsProbabilities(model);
  const out = new Float32Array(count * DIGIT_CLASSES);
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    const output = tf.tidy(() => {
      const x = tf.tensor4d(images.subarray(start * PIXELS, (start + n) * PIXELS), [n, 28, 28, 1]);
      const y = model.predict(x) as tf.Tensor;
      // log(p) are logits for p: softmax(log p) = p. The floor keeps a saturated 0 finite (about -69).
      return probabilities ? tf.log(tf.maximum(y, 1e-30)) : y;
    });
    if (output.shape.length !== 2 || output.shape[1] !== DIGIT_CLASSES) {
      output.dispose();
      throw new Error(`the model outputs shape [${output.shape.join(', ')}], expected [batch, ${DIGIT_CLASSES}]`);
    }
    out.set(await output.data(), start * DIGIT_CLASSES);
    output.dispose();
    options.onBatch?.(start + n);
  }
  return out;
}

/** MNIST's uint8 pixels (0-255) as the model's 0..1 floats. */
export function bytesToUnit(images: Uint8Array): Float32Array {
  const out = new Float32Array(images.length);
  for (let i = 0; i < images.length; i++) out[i] = images[i] / 255;
  return out;
}
