// A trained model as a DigitClassifier: calibrated probabilities = softmax(logits / temperature).
import * as tf from '@tensorflow/tfjs';
import type { Classified, DigitClassifier } from '../recognize/types.ts';
import { VERIFIER_CLASSES } from './architectures.ts';
import { inferenceFunction } from './inference.ts';
import { softmax } from './softmax.ts';

const PIXELS = 28 * 28;

/** What a saved model carries besides its weights (model.json's userDefinedMetadata). */
export interface ModelMetadata {
  arch?: string;
  /** Divides the logits before the softmax; fitted on the validation split so confidence matches accuracy. */
  temperature?: number;
  /** The median over the validation split of each image's largest logit: the unit of a reading's evidence. */
  logitScale?: number;
  [key: string]: unknown;
}

/** Whether the model's last layer is a softmax (older or imported models), rather than logits. */
function outputsProbabilities(model: tf.LayersModel): boolean {
  const last = model.layers[model.layers.length - 1];
  return (last?.getConfig() as { activation?: unknown } | undefined)?.activation === 'softmax';
}

/**
 * `temperature` divides the logits before the softmax; with a `logitScale` the classifier also gives each
 * image's evidence (largest logit / logitScale). A softmax-output model has no logits to give it from.
 */
export function createClassifier(model: tf.LayersModel, temperature = 1, logitScale?: number): DigitClassifier {
  if (!(temperature > 0) || !Number.isFinite(temperature)) throw new RangeError(`temperature must be positive, got ${temperature}`);
  if (logitScale !== undefined && !(logitScale > 0 && Number.isFinite(logitScale))) throw new RangeError(`logit scale must be positive, got ${logitScale}`);
  const softmaxOutput = outputsProbabilities(model);
  const withEvidence = logitScale !== undefined && !softmaxOutput;
  const forward = inferenceFunction(model);
  const run = async (images: Float32Array, count: number, evidence: boolean): Promise<Classified> => {
    if (count === 0) return { probabilities: new Float32Array(0), evidence: evidence ? new Float32Array(0) : null };
    if (images.length < count * PIXELS) throw new RangeError(`expected ${count} images of 28x28, got ${images.length} values`);
    const output = tf.tidy(() => forward(tf.tensor4d(images.subarray(0, count * PIXELS), [count, 28, 28, 1])) as tf.Tensor2D);
    const values = (await output.data()) as Float32Array;
    const classes = output.shape[1];
    // read before the tensor is freed: its values may live in engine memory that the next tensor reuses
    const logits = softmaxOutput ? values.map((p) => Math.log(Math.max(p, 1e-30))) : values;
    const read = { probabilities: softmax(logits, classes, temperature), evidence: evidence ? rowMaxima(logits, classes, logitScale!) : null };
    output.dispose();
    return read;
  };
  return {
    classify: async (images, count) => (await run(images, count, false)).probabilities,
    classifyWithEvidence: (images, count) => run(images, count, withEvidence),
  };
}

/**
 * A segmentation verifier model (11 outputs, the last "not one whole digit": see buildVerifier) as a
 * DigitClassifier's `verify`: per image, its 11 probabilities.
 */
export function createVerifier(model: tf.LayersModel): NonNullable<DigitClassifier['verify']> {
  const outputs = (model.outputs[0]?.shape ?? []).at(-1);
  if (outputs !== VERIFIER_CLASSES) throw new RangeError(`a verifier has ${VERIFIER_CLASSES} outputs, this model has ${outputs}`);
  const forward = inferenceFunction(model);
  return async (images, count) => {
    if (count === 0) return new Float32Array(0);
    if (images.length < count * PIXELS) throw new RangeError(`expected ${count} images of 28x28, got ${images.length} values`);
    const output = tf.tidy(() => forward(tf.tensor4d(images.subarray(0, count * PIXELS), [count, 28, 28, 1])) as tf.Tensor2D);
    const verdicts = softmax((await output.data()) as Float32Array, VERIFIER_CLASSES);
    output.dispose();
    return verdicts;
  };
}

/** Each row's largest value over `scale`. */
function rowMaxima(values: Float32Array, classes: number, scale: number): Float32Array {
  const out = new Float32Array(values.length / classes);
  for (let i = 0; i < out.length; i++) {
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, values[i * classes + c]);
    out[i] = max / scale;
  }
  return out;
}

/** The metadata a model was saved with (empty when none). */
export function modelMetadata(model: tf.LayersModel): ModelMetadata {
  return (model.getUserDefinedMetadata() as ModelMetadata | undefined) ?? {};
}

/** Loads a saved model over HTTP (the browser: `/models/default/model.json`) as a calibrated classifier. */
export async function loadClassifierFromUrl(url: string): Promise<{ model: tf.LayersModel; classifier: DigitClassifier; metadata: ModelMetadata }> {
  const model = await tf.loadLayersModel(url);
  const metadata = modelMetadata(model);
  const classifier = createClassifier(model, metadata.temperature ?? 1, metadata.logitScale);
  // its segmentation verifier, beside it in verifier/, when it has one
  const verifierUrl = new URL('verifier/model.json', new URL(url, globalThis.location?.href)).href;
  const found = await fetch(verifierUrl, { method: 'HEAD' }).then((r) => r.ok, () => false);
  if (found) classifier.verify = createVerifier(await tf.loadLayersModel(verifierUrl));
  return { model, classifier, metadata };
}
