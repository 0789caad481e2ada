// A trained model as a DigitClassifier: calibrated probabilities = softmax(logits / temperature).
import * as tf from '@tensorflow/tfjs';
import type { DigitClassifier } from '../recognize/types.ts';

const PIXELS = 28 * 28;

/** What a saved model carries besides its weights (model.json's userDefinedMetadata). */
export interface ModelMetadata {
  arch?: string;
  /** Divides the logits before the softmax; fitted on the validation split so confidence matches accuracy. */
  temperature?: number;
  [key: string]: unknown;
}

/** Whether the model's last layer is a softmax (older or imported models), rather than logits. */
function outputsProbabilities(model: tf.LayersModel): boolean {
  const last = model.layers[model.layers.length - 1];
  return (last?.getConfig() as { activation?: unknown } | undefined)?.activation === 'softmax';
}

export function createClassifier(model: tf.LayersModel, temperature = 1): DigitClassifier {
  if (!(temperature > 0) || !Number.isFinite(temperature)) throw new RangeError(`temperature must be positive, got ${temperature}`);
  const softmaxOutput = outputsProbabilities(model);
  return {
    async classify(images: Float32Array, count: number): Promise<Float32Array> {
      if (count === 0) return new Float32Array(0);
      if (images.length < count * PIXELS) throw new RangeError(`expected ${count} images of 28x28, got ${images.length} values`);
      const probabilities = tf.tidy(() => {
        const x = tf.tensor4d(images.subarray(0, count * PIXELS), [count, 28, 28, 1]);
        const y = model.predict(x) as tf.Tensor2D;
        const logits = softmaxOutput ? tf.log(tf.maximum(y, 1e-30)) : y;
        return tf.softmax(tf.div(logits, temperature));
      });
      const out = (await probabilities.data()) as Float32Array;
      probabilities.dispose();
      return out;
    },
  };
}

/** The metadata a model was saved with (empty when none). */
export function modelMetadata(model: tf.LayersModel): ModelMetadata {
  return (model.getUserDefinedMetadata() as ModelMetadata | undefined) ?? {};
}

/** Loads a saved model over HTTP (the browser: `/models/default/model.json`) as a calibrated classifier. */
export async function loadClassifierFromUrl(url: string): Promise<{ model: tf.LayersModel; classifier: DigitClassifier; metadata: ModelMetadata }> {
  const model = await tf.loadLayersModel(url);
  const metadata = modelMetadata(model);
  return { model, classifier: createClassifier(model, metadata.temperature ?? 1), metadata };
}
