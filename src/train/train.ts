// The training loop: MNIST (minus a held-out validation split, plus optional pen-stroke digits), augmented
// batches, a learning-rate schedule, per-epoch validation, best-checkpoint keeping, resumable checkpoints,
// temperature fitting, and the finished model written into the output folder only when the run succeeds.
//
// Files in `out/`:
//   .train/checkpoint.bin   the run so far (weights, optimizer state, best weights, history); written atomically
//   .train/metrics.jsonl    one JSON line per epoch, as the run goes
//   model.json + weights-*.bin, metrics.json, metrics.jsonl   the best model, written only at the end
import { mkdir, readFile, stat, access, constants, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { engineAdadelta, engineAdam } from '../engine/index.ts';
import { Random, augmentImages, epochOrder, gatherBatch, mixSeeds, writeFileAtomic } from '../data/index.ts';
import type { MnistSet } from '../data/index.ts';
import { buildModel, isArchName, ARCHITECTURES } from '../model/index.ts';
import { saveModel } from '../model/node.ts';
import { CheckpointError, readCheckpoint, writeCheckpoint } from './checkpoint.ts';
import type { NamedArray } from './checkpoint.ts';
import { fitTemperature } from './calibrate.ts';
import { medianLargestLogit } from './logit-scale.ts';
import { accuracy, crossEntropyFromLogits, expectedCalibrationError, softmax } from './evaluate.ts';
import { bytesToUnit, modelLogits } from './evaluate-model.ts';
import { learningRateAt } from './schedule.ts';
import type { OptimizerName, ScheduleName } from './recipes.ts';
import { strokeDigits } from './stroke-digits.ts';

const PIXELS = 28 * 28;
const CHECKPOINT_EVERY_MS = 5 * 60 * 1000; // besides every epoch end and Ctrl-C

/** Everything that decides the trained weights; a resumed run must use the same. */
export interface TrainConfig {
  arch: string;
  epochs: number;
  batchSize: number;
  lr: number;
  optimizer: OptimizerName;
  schedule: ScheduleName;
  augment: boolean;
  strokeDigits: number; // extra pen-stroke digits as a fraction of the MNIST training images
  seed: number;
  validation: number; // images held out from the end of the training set
  /** The last this-many epochs (all, if more) augment only half of each batch: the run ends on images like the test set's. */
  cleanTail?: number;
}

/** The share of each batch augmented in the clean tail (the rest go in as they are). */
const CLEAN_TAIL_AUGMENTED = 0.5;

export interface TrainData {
  train: MnistSet;
  test?: MnistSet; // for metrics.json at the end; never used to choose anything
  sha256?: Record<string, string>; // of the data files, for metrics.json
}

export interface TrainOptions {
  config: TrainConfig;
  out: string;
  data: TrainData;
  resume?: boolean;
  /** The command line that started the run, for metrics.json. */
  command?: string;
  /** Aborting stops the run after the current batch, with a checkpoint. */
  signal?: AbortSignal;
  onEvent?: (event: TrainEvent) => void;
  /** Who runs the kernels, for metrics.json (e.g. 'digits-engine 0.1.0, 2 threads'). */
  backend?: string;
  engineVersion?: string;
  /** Called after every step (benchmarks measure accuracy over time with it); returning true stops the run. */
  afterStep?: (step: number, model: tf.LayersModel) => Promise<boolean | void>;
}

export interface BatchEvent {
  type: 'batch';
  epoch: number; // 1-based
  epochs: number;
  batch: number; // 1-based, within the epoch
  batches: number;
  loss: number; // running mean over this epoch
  accuracy: number; // running, 0..1, on augmented training batches
  lr: number;
  imagesPerSecond: number; // this session's so far
  etaSeconds: number; // to the end of the run
}

export interface EpochRecord {
  type: 'epoch';
  epoch: number; // 1-based
  trainLoss: number;
  trainAccuracy: number;
  valLoss: number | null;
  valAccuracy: number | null;
  lr: number; // at the epoch's last step
  seconds: number; // this epoch's training + validation
  elapsedSeconds: number; // since the run started, over all sessions
  imagesPerSecond: number; // this epoch's training steps (this session's part of it)
  best: boolean;
}

export type TrainEvent =
  | { type: 'start'; config: TrainConfig; trainImages: number; validationImages: number; strokeImages: number; resumedAt: { epoch: number; batchesDone: number } | null; parameters: number }
  | { type: 'finishing' } // the epochs are done: calibrating, testing and saving (Ctrl-C waits for it)
  | BatchEvent
  | EpochRecord
  | { type: 'checkpoint'; path: string; reason: 'epoch' | 'timer' | 'interrupted' }
  | { type: 'calibrated'; temperature: number; eceBefore: number; eceAfter: number };

export interface TrainMetrics {
  arch: string;
  testAccuracy: number | null;
  testLoss: number | null;
  ece: number | null; // on the test set, after temperature scaling
  eceBeforeCalibration: number | null;
  temperature: number; // fitted on the validation split (1 without one)
  validationEce: { before: number; after: number } | null; // on the validation split, at T = 1 and at the fitted T
  valAccuracy: number | null; // of the kept epoch
  bestEpoch: number; // the epoch whose weights the model has: the best by validation, or the last (see keepsBestEpoch)
  parameters: number;
  weightsBytes: number;
  trainingSeconds: number;
  imagesPerSecond: number;
  config: TrainConfig;
  command: string | null; // the command that started the run
  resumedBy: string[]; // and those that resumed it
  data: Record<string, string> | null;
  engineVersion: string | null;
  backend: string | null;
  node: string;
  date: string;
}

export type TrainResult =
  | { status: 'finished'; metrics: TrainMetrics }
  | { status: 'interrupted'; checkpoint: string; epoch: number; batchesDone: number } // by the signal, with a checkpoint
  | { status: 'stopped'; step: number }; // by afterStep, without one

/** The state a checkpoint carries besides the arrays. */
interface RunState {
  config: TrainConfig;
  epoch: number; // 0-based epoch in progress
  batch: number; // batches of it already done
  step: number; // total steps done
  elapsedSeconds: number;
  best: { epoch: number; valAccuracy: number; valLoss: number } | null;
  history: EpochRecord[];
  partial: { lossSum: number; correct: number; seen: number }; // the epoch in progress
  optimizerScalars?: Record<string, number>; // e.g. Adam's running beta powers, exactly as they were
  command?: string | null; // the command that started the run (a resumed run keeps it: it reproduces the model)
  resumedBy?: string[]; // the commands that continued it
  images?: number; // training images seen so far, over all sessions
}

// Adam keeps beta1^t and beta2^t as float32 variables multiplied once per step; its setWeights recomputes
// them with pow(), which rounds differently. Saving them makes a resumed run bit-identical.
const OPTIMIZER_SCALARS = ['accBeta1', 'accBeta2'];

function optimizerScalars(optimizer: tf.Optimizer): Record<string, number> {
  const holder = optimizer as unknown as Record<string, tf.Variable | undefined>;
  return Object.fromEntries(OPTIMIZER_SCALARS.filter((key) => holder[key] instanceof tf.Variable).map((key) => [key, holder[key]!.dataSync()[0]]));
}

function restoreOptimizerScalars(optimizer: tf.Optimizer, values: Record<string, number> = {}): void {
  const holder = optimizer as unknown as Record<string, tf.Variable | undefined>;
  for (const [key, value] of Object.entries(values)) {
    const scalar = tf.scalar(value);
    holder[key]?.assign(scalar);
    scalar.dispose();
  }
}

/** A bad setting found before any work starts. */
export class TrainConfigError extends Error {
  override name = 'TrainConfigError';
}

export function checkConfig(config: TrainConfig, trainCount?: number): void {
  const fail = (message: string) => {
    throw new TrainConfigError(message);
  };
  if (!isArchName(config.arch)) fail(`unknown architecture '${config.arch}': choose one of ${ARCHITECTURES.join(', ')}`);
  if (!Number.isInteger(config.epochs) || config.epochs < 1) fail(`epochs must be a whole number of at least 1, got ${config.epochs}`);
  if (!Number.isInteger(config.batchSize) || config.batchSize < 1) fail(`batch size must be a whole number of at least 1, got ${config.batchSize}`);
  if (!(config.lr > 0) || !Number.isFinite(config.lr)) fail(`learning rate must be a positive number, got ${config.lr}`);
  if (!Number.isInteger(config.validation) || config.validation < 0) fail(`validation must be a whole number of images (0 or more), got ${config.validation}`);
  if (!(config.strokeDigits >= 0 && config.strokeDigits <= 1)) fail(`stroke digits must be a fraction from 0 to 1, got ${config.strokeDigits}`);
  if (!Number.isInteger(config.seed)) fail(`seed must be a whole number, got ${config.seed}`);
  const cleanTail = config.cleanTail ?? 0;
  if (!Number.isInteger(cleanTail) || cleanTail < 0) fail(`clean tail must be a whole number of epochs (0 or more), got ${cleanTail}`);
  if (trainCount !== undefined) {
    if (config.validation >= trainCount) fail(`validation (${config.validation}) must leave training images: the training set has ${trainCount}`);
    if (config.batchSize > trainCount - config.validation) fail(`batch size ${config.batchSize} is larger than the ${trainCount - config.validation} training images`);
  }
}

/**
 * The model's inputs for batch `batch` of epoch `epoch` (0-based): `gathered` (batchSize images in 0..1) augmented,
 * or, in the clean tail, only its first half augmented (the order is shuffled, so that is a random half).
 */
export function batchInputs(config: TrainConfig, epoch: number, batch: number, gathered: Float32Array, inputs: Float32Array): void {
  const { batchSize } = config;
  if (!config.augment) {
    inputs.set(gathered.subarray(0, batchSize * PIXELS));
    return;
  }
  const inTail = epoch >= config.epochs - (config.cleanTail ?? 0);
  const augmented = inTail ? Math.round(batchSize * CLEAN_TAIL_AUGMENTED) : batchSize;
  // A fresh stream per (seed, epoch, batch): a resumed run augments its batches exactly as before.
  augmentImages(gathered, augmented, inputs, new Random(mixSeeds(config.seed, epoch, batch)));
  inputs.set(gathered.subarray(augmented * PIXELS, batchSize * PIXELS), augmented * PIXELS);
}

/**
 * Whether the run ends with its best epoch's weights (by validation accuracy) rather than its last. A one-cycle run
 * keeps its last: the schedule anneals to a small rate, and the best of 5,000-image validation scores taken along
 * the way (each +-0.09%) is mostly the luckiest, often a mid-run epoch (the 19-epoch default chose epoch 11 of 19).
 */
export function keepsBestEpoch(config: TrainConfig): boolean {
  return config.validation > 0 && config.schedule !== 'one-cycle';
}

/** The checkpoint of a run writing into `out`. */
export function checkpointPath(out: string): string {
  return join(out, '.train', 'checkpoint.bin');
}

/** Makes `out` (and its .train folder) and proves it writable, before any long work. */
export async function prepareOutput(out: string): Promise<void> {
  const existing = await stat(out).catch(() => null);
  if (existing && !existing.isDirectory()) throw new TrainConfigError(`--out ${out} is a file; it must be a folder for the model`);
  try {
    await mkdir(join(out, '.train'), { recursive: true });
    await access(join(out, '.train'), constants.W_OK);
    await writeFileAtomic(join(out, '.train', 'write-test'), new Uint8Array(0));
    await rm(join(out, '.train', 'write-test'), { force: true });
  } catch (error) {
    throw new TrainConfigError(`cannot write in --out ${out}: ${(error as Error).message}`);
  }
}

/** Reads the checkpoint to resume, checking it belongs to this kind of run. */
export async function readRunCheckpoint(out: string, arch?: string) {
  const checkpoint = await readCheckpoint<RunState>(checkpointPath(out));
  const state = checkpoint.state;
  if (!state?.config || typeof state.epoch !== 'number') throw new CheckpointError(`${checkpointPath(out)} is not a training checkpoint of digits train`);
  if (arch !== undefined && state.config.arch !== arch) {
    throw new CheckpointError(`the checkpoint in ${out} is of architecture '${state.config.arch}', not '${arch}': resume with --arch ${state.config.arch}, or choose another --out`);
  }
  return checkpoint;
}

function makeOptimizer(name: OptimizerName, lr: number): tf.Optimizer {
  // Keras's Adadelta: rho 0.95, epsilon 1e-7 (mnist_cnn.py's lr 1.0 is the old Keras default).
  // Both fall back to tfjs's own update off the engine backend.
  if (name === 'adam') return engineAdam(lr);
  const adadelta = engineAdadelta(lr, 0.95, 1e-7);
  adadelta.kerasUpdate = true; // tfjs's variant takes a plain SGD step of size lr first, and the Keras CNN dies
  return adadelta;
}

function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  (optimizer as unknown as { learningRate: number }).learningRate = lr;
}

/** Dropout layers draw a fresh mask each step from (seed, step, layer): tfjs reuses one mask per fixed seed. */
function seedDropout(model: tf.LayersModel, seed: number, step: number): void {
  model.layers.forEach((layer, index) => {
    if (layer.getClassName() === 'Dropout') (layer as unknown as { seed: number }).seed = mixSeeds(seed, step, index);
  });
}

/** The optimizer's state as arrays. Its getWeights makes a fresh 'iter' scalar each call (the rest are its own variables). */
async function optimizerArrays(optimizer: tf.Optimizer): Promise<NamedArray[]> {
  const weights = await optimizer.getWeights();
  const arrays = await Promise.all(weights.map(async (w) => ({ name: w.name, shape: w.tensor.shape, values: Float32Array.from(await w.tensor.data()) })));
  weights.find((w) => w.name === 'iter')?.tensor.dispose();
  return arrays;
}

async function weightArrays(model: tf.LayersModel): Promise<NamedArray[]> {
  return Promise.all(model.weights.map(async (w) => ({ name: w.originalName, shape: w.shape as number[], values: (await w.read().data()) as Float32Array })));
}

function setWeightArrays(model: tf.LayersModel, arrays: NamedArray[], what: string): void {
  const weights = model.weights;
  if (arrays.length !== weights.length) throw new CheckpointError(`the checkpoint's ${what} has ${arrays.length} arrays, the model has ${weights.length}`);
  weights.forEach((w, i) => {
    if (arrays[i].shape.join('x') !== w.shape.join('x')) throw new CheckpointError(`the checkpoint's ${what} ${arrays[i].name} is ${arrays[i].shape.join('x')}, the model's is ${w.shape.join('x')}`);
  });
  const tensors = arrays.map((a) => tf.tensor(a.values, a.shape));
  model.setWeights(tensors); // copies into the model's variables
  tf.dispose(tensors);
}

/** Trains per `options`; returns when finished or interrupted (with a checkpoint to resume from). */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const { out, data, onEvent = () => {} } = options;
  let state: RunState;
  let resumed: Awaited<ReturnType<typeof readRunCheckpoint>> | null = null;
  if (options.resume) {
    resumed = await readRunCheckpoint(out, options.config.arch);
    state = resumed.state;
    if (options.command) state.resumedBy = [...(state.resumedBy ?? []), options.command];
  } else {
    state = {
      config: options.config, epoch: 0, batch: 0, step: 0, elapsedSeconds: 0, best: null, history: [],
      partial: { lossSum: 0, correct: 0, seen: 0 }, command: options.command ?? null, images: 0,
    };
  }
  const config = state.config;
  checkConfig(config, data.train.count);
  await prepareOutput(out);

  // The pool: MNIST training images minus the validation split at the end, then the stroke digits.
  const mnistCount = data.train.count - config.validation;
  const strokes = strokeDigits(Math.round(mnistCount * config.strokeDigits), mixSeeds(config.seed, 0x57e0));
  const poolCount = mnistCount + strokes.labels.length;
  const pool = new Float32Array(poolCount * PIXELS);
  pool.set(bytesToUnit(data.train.images.subarray(0, mnistCount * PIXELS)));
  pool.set(strokes.images, mnistCount * PIXELS);
  const poolLabels = new Uint8Array(poolCount);
  poolLabels.set(data.train.labels.subarray(0, mnistCount));
  poolLabels.set(strokes.labels, mnistCount);
  const validation = unitImages(data.train, mnistCount, data.train.count);

  const model = buildModel(config.arch, { seed: config.seed });
  const optimizer = makeOptimizer(config.optimizer, config.lr);
  let bestWeights: NamedArray[] | null = null;
  if (resumed) {
    setWeightArrays(model, resumed.arrays.model, 'weights');
    if (resumed.arrays.optimizer.length > 0) {
      const saved = resumed.arrays.optimizer.map((a) => ({ name: a.name, tensor: tf.tensor(a.values, a.shape) }));
      await optimizer.setWeights(saved); // makes its own variables from them
      tf.dispose(saved.map((w) => w.tensor));
      restoreOptimizerScalars(optimizer, state.optimizerScalars);
    }
    bestWeights = resumed.arrays.best.length > 0 ? resumed.arrays.best : null;
  }
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const batchSize = config.batchSize;
  const batches = Math.floor(poolCount / batchSize); // the last partial batch is dropped: every step has one shape
  const totalSteps = batches * config.epochs;
  onEvent({
    type: 'start',
    config,
    trainImages: mnistCount,
    validationImages: config.validation,
    strokeImages: strokes.labels.length,
    resumedAt: resumed ? { epoch: state.epoch + 1, batchesDone: state.batch } : null,
    parameters: model.countParams(),
  });

  const gathered = new Float32Array(batchSize * PIXELS);
  const inputs = new Float32Array(batchSize * PIXELS);
  const labels = new Uint8Array(batchSize);
  const sessionStart = performance.now();
  const elapsedBefore = state.elapsedSeconds;
  let sessionImages = 0;
  let lastCheckpoint = performance.now();
  const elapsed = () => elapsedBefore + (performance.now() - sessionStart) / 1000;

  const saveCheckpoint = async (reason: 'epoch' | 'timer' | 'interrupted') => {
    state.elapsedSeconds = elapsed();
    state.optimizerScalars = optimizerScalars(optimizer);
    await writeCheckpoint(checkpointPath(out), {
      state,
      arrays: {
        model: await weightArrays(model),
        optimizer: await optimizerArrays(optimizer),
        best: bestWeights ?? [],
      },
    });
    lastCheckpoint = performance.now();
    onEvent({ type: 'checkpoint', path: checkpointPath(out), reason });
  };

  try {
    while (state.epoch < config.epochs) {
      const epoch = state.epoch;
      const order = epochOrder(poolCount, config.seed, epoch);
      const epochStart = performance.now();
      const epochStartImages = sessionImages;
      // The rate of the last step taken (a run resumed after an epoch's last batch takes none before validating).
      let lr = learningRateAt(config.schedule, config.lr, Math.max(0, state.step - 1), totalSteps);
      for (; state.batch < batches; state.batch++) {
        if (options.signal?.aborted) {
          await saveCheckpoint('interrupted');
          return { status: 'interrupted', checkpoint: checkpointPath(out), epoch: epoch + 1, batchesDone: state.batch };
        }
        gatherBatch(pool, poolLabels, order, state.batch * batchSize, batchSize, gathered, labels);
        batchInputs(config, epoch, state.batch, gathered, inputs);
        lr = learningRateAt(config.schedule, config.lr, state.step, totalSteps);
        setLearningRate(optimizer, lr);
        seedDropout(model, config.seed, state.step);
        const { loss, correct } = trainStep(model, optimizer, variables, inputs, labels, batchSize);
        state.step++;
        state.partial.lossSum += loss * batchSize;
        state.partial.correct += correct;
        state.partial.seen += batchSize;
        sessionImages += batchSize;
        state.images = (state.images ?? 0) + batchSize;
        const sessionSeconds = (performance.now() - sessionStart) / 1000;
        const imagesPerSecond = sessionImages / Math.max(sessionSeconds, 1e-9);
        onEvent({
          type: 'batch',
          epoch: epoch + 1,
          epochs: config.epochs,
          batch: state.batch + 1,
          batches,
          loss: state.partial.lossSum / state.partial.seen,
          accuracy: state.partial.correct / state.partial.seen,
          lr,
          imagesPerSecond,
          etaSeconds: ((totalSteps - state.step) * batchSize) / imagesPerSecond,
        });
        if (!Number.isFinite(loss)) throw new Error(`the loss became ${loss} at epoch ${epoch + 1}, batch ${state.batch + 1}: the learning rate ${lr} is probably too high`);
        if (performance.now() - lastCheckpoint > CHECKPOINT_EVERY_MS) {
          state.batch++; // the checkpoint records this batch as done
          await saveCheckpoint('timer');
          state.batch--;
        }
        if (options.afterStep && (await options.afterStep(state.step, model))) {
          return { status: 'stopped', step: state.step };
        }
        // Let signals (Ctrl-C) and I/O in between steps: a step itself is synchronous.
        await new Promise((resolve) => setImmediate(resolve));
      }

      const trainSeconds = (performance.now() - epochStart) / 1000; // this session's share of the epoch
      // End of epoch: validation, best weights, log line, checkpoint.
      let valLoss: number | null = null;
      let valAccuracy: number | null = null;
      if (validation.count > 0) {
        const logits = await modelLogits(model, validation.images, validation.count);
        valLoss = crossEntropyFromLogits(logits, validation.labels);
        valAccuracy = accuracy(softmax(logits), validation.labels);
      }
      const isBest = valAccuracy === null || state.best === null || valAccuracy >= state.best.valAccuracy;
      if (isBest) {
        state.best = { epoch: epoch + 1, valAccuracy: valAccuracy ?? 0, valLoss: valLoss ?? 0 };
        if (keepsBestEpoch(config)) bestWeights = await weightArrays(model);
      }
      const record: EpochRecord = {
        type: 'epoch',
        epoch: epoch + 1,
        trainLoss: state.partial.lossSum / state.partial.seen,
        trainAccuracy: state.partial.correct / state.partial.seen,
        valLoss,
        valAccuracy,
        lr,
        seconds: (performance.now() - epochStart) / 1000,
        elapsedSeconds: elapsed(),
        imagesPerSecond: (sessionImages - epochStartImages) / Math.max(trainSeconds, 1e-9),
        best: isBest,
      };
      state.history.push(record);
      onEvent(record);
      state.epoch++;
      state.batch = 0;
      state.partial = { lossSum: 0, correct: 0, seen: 0 };
      await writeMetricsLog(out, state.history);
      await saveCheckpoint('epoch');
    }

    // Finished: the kept weights, a temperature fitted on the validation split, test figures, then the model.
    onEvent({ type: 'finishing' });
    if (bestWeights && keepsBestEpoch(config)) setWeightArrays(model, bestWeights, 'best weights');
    let temperature = 1;
    let logitScale: number | undefined;
    let validationEce: TrainMetrics['validationEce'] = null;
    if (validation.count > 0) {
      const logits = await modelLogits(model, validation.images, validation.count);
      const fit = fitTemperature(logits, validation.labels);
      logitScale = medianLargestLogit(logits);
      temperature = fit.temperature;
      validationEce = { before: fit.eceBefore, after: fit.eceAfter };
      onEvent({ type: 'calibrated', temperature, eceBefore: fit.eceBefore, eceAfter: fit.eceAfter });
    }
    const metrics = await finalMetrics(model, data, state, temperature, validationEce, options);
    await saveModel(model, out, { arch: config.arch, temperature, ...(logitScale === undefined ? {} : { logitScale }), validation: config.validation, seed: config.seed });
    await writeFileAtomic(join(out, 'metrics.json'), new TextEncoder().encode(`${JSON.stringify(metrics, null, 2)}\n`));
    await writeFileAtomic(join(out, 'metrics.jsonl'), await readFile(join(out, '.train', 'metrics.jsonl')));
    return { status: 'finished', metrics };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

/** One optimizer step on a batch; the mean loss and how many of the batch the model got right. */
function trainStep(model: tf.LayersModel, optimizer: tf.Optimizer, variables: tf.Variable[], images: Float32Array, labels: Uint8Array, n: number): { loss: number; correct: number } {
  let correct = 0;
  const loss = tf.tidy(() => {
    const x = tf.tensor4d(images, [n, 28, 28, 1]);
    const y = tf.tensor1d(Int32Array.from(labels), 'int32');
    const oneHot = tf.oneHot(y, 10).toFloat();
    let hits: tf.Tensor | null = null;
    const value = optimizer.minimize(
      () => {
        const logits = model.apply(x, { training: true }) as tf.Tensor2D;
        hits = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), 'float32')));
        return tf.losses.softmaxCrossEntropy(oneHot, logits, undefined, Number(process.env.LS ?? 0)) as tf.Scalar;
      },
      true,
      variables,
    )!;
    const kept = hits as tf.Tensor | null;
    correct = kept?.dataSync()[0] ?? 0;
    kept?.dispose(); // kept out of the optimizer's tidy, so it is ours to free
    return value;
  });
  const value = loss.dataSync()[0];
  loss.dispose();
  return { loss: value, correct };
}

function unitImages(set: MnistSet, from: number, to: number): { images: Float32Array; labels: Uint8Array; count: number } {
  return { images: bytesToUnit(set.images.subarray(from * PIXELS, to * PIXELS)), labels: set.labels.slice(from, to), count: to - from };
}

async function writeMetricsLog(out: string, history: EpochRecord[]): Promise<void> {
  const text = history.map((record) => JSON.stringify(record)).join('\n') + '\n';
  await writeFileAtomic(join(out, '.train', 'metrics.jsonl'), new TextEncoder().encode(text));
}

async function finalMetrics(
  model: tf.LayersModel,
  data: TrainData,
  state: RunState,
  temperature: number,
  validationEce: TrainMetrics['validationEce'],
  options: TrainOptions,
): Promise<TrainMetrics> {
  let testAccuracy: number | null = null;
  let testLoss: number | null = null;
  let ece: number | null = null;
  let eceBeforeCalibration: number | null = null;
  if (data.test) {
    const test = unitImages(data.test, 0, data.test.count);
    const logits = await modelLogits(model, test.images, test.count);
    const probabilities = softmax(logits, 10, temperature);
    testAccuracy = accuracy(probabilities, test.labels);
    testLoss = crossEntropyFromLogits(logits, test.labels, temperature);
    ece = expectedCalibrationError(probabilities, test.labels);
    eceBeforeCalibration = expectedCalibrationError(softmax(logits), test.labels);
  }
  const parameters = model.countParams();
  return {
    arch: state.config.arch,
    testAccuracy,
    testLoss,
    ece,
    eceBeforeCalibration,
    temperature,
    validationEce,
    valAccuracy: keepsBestEpoch(state.config) ? (state.best?.valAccuracy ?? null) : (state.history.at(-1)?.valAccuracy ?? null),
    bestEpoch: keepsBestEpoch(state.config) ? (state.best?.epoch ?? state.config.epochs) : state.config.epochs,
    parameters,
    weightsBytes: parameters * 4,
    trainingSeconds: state.history.at(-1)?.elapsedSeconds ?? 0,
    imagesPerSecond: (state.images ?? 0) / Math.max(state.history.at(-1)?.elapsedSeconds ?? 0, 1e-9),
    config: state.config,
    command: state.command ?? options.command ?? null,
    resumedBy: state.resumedBy ?? [],
    data: data.sha256 ?? null, // given by the caller that loaded (and verified) the files
    engineVersion: options.engineVersion ?? null,
    backend: options.backend ?? tf.getBackend(),
    node: process.version,
    date: new Date().toISOString(),
  };
}

