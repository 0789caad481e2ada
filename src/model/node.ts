// The model part's Node-only entry: models as files (model.json + weights), written atomically.
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from '../data/index.ts';
import type { DigitClassifier } from '../recognize/types.ts';
import { createClassifier, createVerifier, modelMetadata, type ModelMetadata } from './classifier.ts';

export * from './index.ts';

/** A model folder that is missing, incomplete or corrupt. */
export class ModelFileError extends Error {
  override name = 'ModelFileError';
}

interface ModelJson {
  modelTopology: unknown;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  userDefinedMetadata?: ModelMetadata;
}

/**
 * Saves `model` into `dir` as TensorFlow.js's layers format. The weights file is named by its content hash
 * and written before model.json, and model.json is renamed into place last: a reader sees the old model or
 * the new one, never a mix, and a failed save leaves the old model intact.
 */
export async function saveModel(model: tf.LayersModel, dir: string, metadata: ModelMetadata = {}): Promise<void> {
  await mkdir(dir, { recursive: true });
  model.setUserDefinedMetadata({ ...modelMetadata(model), ...metadata });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = new Uint8Array(artifacts.weightData as ArrayBuffer);
      const weightsName = `weights-${createHash('sha256').update(weights).digest('hex').slice(0, 12)}.bin`;
      const json: ModelJson = {
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [weightsName], weights: artifacts.weightSpecs ?? [] }],
        format: 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        userDefinedMetadata: artifacts.userDefinedMetadata as ModelMetadata | undefined,
      };
      await writeFileAtomic(join(dir, weightsName), weights);
      await writeFileAtomic(join(dir, 'model.json'), new TextEncoder().encode(JSON.stringify(json)));
      // Weights files the new model.json no longer names are stale.
      for (const name of await readdir(dir)) {
        if (/^weights-[0-9a-f]+\.bin$/.test(name) && name !== weightsName) await unlink(join(dir, name)).catch(() => {});
      }
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.byteLength } };
    }),
  );
}

/** Loads a model saved by `saveModel` (or any TensorFlow.js layers model folder), with errors that say what is wrong. */
export async function loadModel(dir: string): Promise<tf.LayersModel> {
  const jsonPath = join(dir, 'model.json');
  const dirStat = await stat(dir).catch(() => null);
  if (!dirStat) throw new ModelFileError(`no model at ${dir}: the folder does not exist (train one with 'digits train --out ${dir}')`);
  if (!dirStat.isDirectory()) throw new ModelFileError(`${dir} is not a folder: --model takes the folder holding model.json`);
  const text = await readFile(jsonPath, 'utf8').catch(() => null);
  if (text === null) throw new ModelFileError(`no model at ${dir}: ${jsonPath} is missing`);
  let json: ModelJson;
  try {
    json = JSON.parse(text) as ModelJson;
  } catch (error) {
    throw new ModelFileError(`${jsonPath} is not valid JSON (${(error as Error).message}); the model is corrupt`);
  }
  if (!json || typeof json !== 'object' || !json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new ModelFileError(`${jsonPath} is not a TensorFlow.js layers model (no modelTopology or weightsManifest)`);
  }
  const specs = json.weightsManifest.flatMap((group) => group.weights);
  const parts: Uint8Array[] = [];
  for (const path of json.weightsManifest.flatMap((group) => group.paths)) {
    const bytes = await readFile(join(dir, path)).catch(() => null);
    if (!bytes) throw new ModelFileError(`${join(dir, path)} is missing: the model in ${dir} is incomplete`);
    parts.push(bytes);
  }
  const expected = specs.reduce((sum, spec) => sum + spec.shape.reduce((a, b) => a * b, 1) * 4, 0);
  const total = parts.reduce((sum, part) => sum + part.byteLength, 0);
  if (total !== expected) {
    throw new ModelFileError(`the weights in ${dir} have ${total} bytes but model.json describes ${expected}: the model is corrupt`);
  }
  const weightData = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    weightData.set(part, offset);
    offset += part.byteLength;
  }
  try {
    return await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'],
        weightSpecs: specs,
        weightData: weightData.buffer,
        userDefinedMetadata: json.userDefinedMetadata,
      }),
    );
  } catch (error) {
    throw new ModelFileError(`cannot build the model in ${dir}: ${(error as Error).message}`);
  }
}

/** A saved model as a calibrated classifier, with the temperature it was saved with. */
export async function loadClassifier(dir: string): Promise<DigitClassifier & { metadata: ModelMetadata }> {
  const model = await loadModel(dir);
  const metadata = modelMetadata(model);
  const classifier = createClassifier(model, metadata.temperature ?? 1, metadata.logitScale);
  // its segmentation verifier, beside it in verifier/ (made by 'digits train-verifier'), when it has one
  const verifierDir = join(dir, 'verifier');
  if (await stat(join(verifierDir, 'model.json')).catch(() => null)) {
    const verifier = await loadModel(verifierDir);
    try {
      classifier.verify = createVerifier(verifier);
    } catch (error) {
      throw new ModelFileError(`${verifierDir} is not a segmentation verifier: ${(error as Error).message}`);
    }
  }
  return Object.assign(classifier, { metadata });
}
