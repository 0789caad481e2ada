// The training loop on a small stand-in for MNIST (digits drawn from our pen-stroke templates), so it runs
// in seconds: it learns, it is deterministic, Ctrl-C + --resume equals an uninterrupted run, and bad
// settings fail before any work, never touching a good model.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { useEngine } from '../../src/engine/index.ts';
import { buildModel, loadModel, modelMetadata } from '../../src/model/node.ts';
import type { MnistSet } from '../../src/data/index.ts';
import { strokeDigits } from '../../src/train/stroke-digits.ts';
import { batchInputs, checkpointPath, train, TrainConfigError } from '../../src/train/train.ts';
import type { TrainConfig, TrainEvent } from '../../src/train/train.ts';
import { CheckpointError, readCheckpoint } from '../../src/train/checkpoint.ts';
import { learningRateAt } from '../../src/train/schedule.ts';
import { modelLogits } from '../../src/train/evaluate-model.ts';
import { medianLargestLogit } from '../../src/train/logit-scale.ts';

await useEngine({ threads: 2 });

/** A stand-in MNIST split: pen-stroke digits as uint8 pixels. */
function strokeSet(count: number, seed: number): MnistSet {
  const { images, labels } = strokeDigits(count, seed);
  return { images: Uint8Array.from(images, (v) => Math.round(v * 255)), labels, count, rows: 28, cols: 28 };
}

const trainSet = strokeSet(640, 11);
const testSet = strokeSet(200, 12);

const config = (overrides: Partial<TrainConfig> = {}): TrainConfig => ({
  arch: 'small-cnn',
  epochs: 3,
  batchSize: 32,
  lr: 0.004,
  optimizer: 'adam',
  schedule: 'one-cycle',
  augment: true,
  strokeDigits: 0,
  seed: 7,
  validation: 128,
  ...overrides,
});

async function tempOut(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'digits-train-test-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'model');
}

async function savedWeights(dir: string): Promise<Float32Array[]> {
  const model = await loadModel(dir);
  const weights = model.getWeights().map((w) => w.dataSync() as Float32Array);
  model.dispose();
  return weights;
}

test('a short run learns the digits and writes the model, its metrics and the epoch log', async (t) => {
  const out = await tempOut(t);
  const events: TrainEvent[] = [];
  const result = await train({ config: config(), out, data: { train: trainSet, test: testSet }, onEvent: (e) => events.push(e) });
  assert.equal(result.status, 'finished');
  if (result.status !== 'finished') return;
  assert.ok(result.metrics.testAccuracy! > 0.6, `test accuracy ${result.metrics.testAccuracy} should be far above chance (0.1)`);
  const epochs = events.filter((e) => e.type === 'epoch');
  assert.equal(epochs.length, 3);
  assert.ok(epochs[2].trainLoss < epochs[0].trainLoss, 'the training loss falls');
  const batches = events.filter((e) => e.type === 'batch');
  assert.equal(batches.length, 3 * Math.floor((640 - 128) / 32));
  assert.ok(batches.every((b) => b.type === 'batch' && b.imagesPerSecond > 0 && b.etaSeconds >= 0));

  const metrics = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
  for (const key of ['testAccuracy', 'ece', 'parameters', 'weightsBytes', 'trainingSeconds', 'temperature', 'data', 'config']) assert.ok(key in metrics, `metrics.json has ${key}`);
  const untrained = buildModel('small-cnn');
  assert.equal(metrics.parameters, untrained.countParams());
  assert.equal(metrics.weightsBytes, 4 * untrained.countParams());
  untrained.dispose();
  const log = (await readFile(join(out, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
  assert.deepEqual(log.map((r) => r.epoch), [1, 2, 3]);

  // The saved model is the kept epoch's, and reads the test digits as the metrics say.
  const model = await loadModel(out);
  const test = Float32Array.from(testSet.images, (v) => v / 255);
  const logits = await modelLogits(model, test, testSet.count);
  let correct = 0;
  for (let i = 0; i < testSet.count; i++) {
    const row = logits.subarray(i * 10, i * 10 + 10);
    if (row.indexOf(Math.max(...row)) === testSet.labels[i]) correct++;
  }
  assert.equal(correct / testSet.count, metrics.testAccuracy);
  // and carries the logit scale of its validation digits (the unit of recognition's evidence)
  const validation = Float32Array.from(trainSet.images.subarray((trainSet.count - 128) * 784), (v) => v / 255);
  const scale = modelMetadata(model).logitScale;
  assert.ok(scale !== undefined && scale > 0, `logit scale ${scale}`);
  assert.equal(scale, medianLargestLogit(await modelLogits(model, validation, 128)));
  model.dispose();
});

test('the same seed gives the same weights; another seed gives others', async (t) => {
  const [a, b, c] = [await tempOut(t), await tempOut(t), await tempOut(t)];
  const short = config({ epochs: 1 });
  await train({ config: short, out: a, data: { train: trainSet } });
  await train({ config: short, out: b, data: { train: trainSet } });
  await train({ config: { ...short, seed: 8 }, out: c, data: { train: trainSet } });
  const [wa, wb, wc] = [await savedWeights(a), await savedWeights(b), await savedWeights(c)];
  wa.forEach((w, i) => assert.deepEqual(w, wb[i], `weights ${i} equal for the same seed`));
  assert.notDeepEqual(wa[0], wc[0]);
});

test('an interrupted run resumed from its checkpoint ends with the same weights as an uninterrupted one', async (t) => {
  const [whole, split] = [await tempOut(t), await tempOut(t)];
  // No validation split: the saved model is then the last epoch's, so it depends on every step after resuming.
  const run = config({ epochs: 2, validation: 0 });
  await train({ config: run, out: whole, data: { train: trainSet } });

  const controller = new AbortController();
  const first = await train({
    config: run,
    out: split,
    data: { train: trainSet },
    signal: controller.signal,
    afterStep: async (step) => {
      if (step === 25) controller.abort(); // mid-way through epoch 2 (20 batches per epoch)
    },
  });
  assert.equal(first.status, 'interrupted');
  assert.ok(existsSync(checkpointPath(split)));
  assert.ok(!existsSync(join(split, 'model.json')), 'an interrupted run writes no model');
  const resumed = await train({ config: run, out: split, data: { train: trainSet }, resume: true });
  assert.equal(resumed.status, 'finished');
  if (resumed.status === 'finished') assert.equal(resumed.metrics.bestEpoch, 2);
  const [ww, ws] = [await savedWeights(whole), await savedWeights(split)];
  ww.forEach((w, i) => assert.deepEqual(ws[i], w, `weights ${i} equal after resuming`));
});

test('bad settings are refused before any work, naming the problem', async (t) => {
  const out = await tempOut(t);
  const data = { train: trainSet };
  const cases: [Partial<TrainConfig>, RegExp][] = [
    [{ arch: 'resnet-1000' }, /unknown architecture 'resnet-1000'/],
    [{ epochs: -1 }, /epochs must be a whole number of at least 1/],
    [{ batchSize: 0 }, /batch size must be a whole number of at least 1/],
    [{ lr: Number.NaN }, /learning rate must be a positive number/],
    [{ validation: 640 }, /must leave training images/],
  ];
  for (const [override, message] of cases) {
    await assert.rejects(train({ config: config(override), out, data }), (error: Error) => error instanceof TrainConfigError && message.test(error.message));
  }
  assert.ok(!existsSync(out), 'nothing was created for a refused run');
  const file = join(out, '..', 'a-file');
  await writeFile(file, 'not a folder');
  await assert.rejects(train({ config: config(), out: file, data }), /is a file; it must be a folder/);
});

test('resuming a checkpoint of another architecture, or a corrupt one, fails before training', async (t) => {
  const out = await tempOut(t);
  const controller = new AbortController();
  controller.abort();
  const first = await train({ config: config(), out, data: { train: trainSet }, signal: controller.signal });
  assert.equal(first.status, 'interrupted');
  await assert.rejects(train({ config: config({ arch: 'default' }), out, data: { train: trainSet }, resume: true }), (error: Error) => error instanceof CheckpointError && /architecture 'small-cnn', not 'default'/.test(error.message));
  const bytes = await readFile(checkpointPath(out));
  await writeFile(checkpointPath(out), bytes.subarray(0, bytes.length - 100));
  await assert.rejects(train({ config: config(), out, data: { train: trainSet }, resume: true }), /truncated/);
  await writeFile(checkpointPath(out), 'garbage');
  await assert.rejects(train({ config: config(), out, data: { train: trainSet }, resume: true }), /not a usable checkpoint/);
  await rm(checkpointPath(out));
  await assert.rejects(train({ config: config(), out, data: { train: trainSet }, resume: true }), /no checkpoint .*nothing to resume/);
});

test('a run that fails leaves the model already in the folder untouched', async (t) => {
  const out = await tempOut(t);
  await train({ config: config({ epochs: 1 }), out, data: { train: trainSet } });
  const before = await readFile(join(out, 'model.json'), 'utf8');
  const modified = (await stat(join(out, 'model.json'))).mtimeMs;
  // A learning rate this high makes the loss overflow: the run fails part-way.
  await assert.rejects(train({ config: config({ lr: 1e30 }), out, data: { train: trainSet } }), /the loss became .* learning rate/);
  assert.equal(await readFile(join(out, 'model.json'), 'utf8'), before);
  assert.equal((await stat(join(out, 'model.json'))).mtimeMs, modified);
  await savedWeights(out); // still loads
});

test('one-cycle warms up to the peak, then decays to 1% of it; constant stays put', () => {
  const total = 1000;
  const at = (step: number) => learningRateAt('one-cycle', 1, step, total);
  assert.ok(Math.abs(at(0) - 0.1) < 1e-9);
  const peakStep = Math.round(0.05 * (total - 1));
  assert.ok(at(peakStep) > 0.99);
  for (let s = 1; s <= peakStep; s++) assert.ok(at(s) >= at(s - 1), 'rises during warm-up');
  for (let s = peakStep + 1; s < total; s++) assert.ok(at(s) <= at(s - 1) + 1e-12, 'falls after');
  assert.ok(Math.abs(at(total - 1) - 0.01) < 1e-9);
  assert.equal(learningRateAt('constant', 0.5, 123, total), 0.5);
  assert.equal(tf.getBackend(), 'digits-engine');
});

test("keras-cnn's Adadelta is Keras's (Zeiler's): it divides by the accumulated gradient including this step", async () => {
  const { engineAdadelta } = await import('../../src/engine/index.ts');
  const rho = 0.95, eps = 1e-7, lr = 1;
  const w = tf.variable(tf.tensor1d([0.5, -1, 2]), true, 'zeiler-w');
  const optimizer = engineAdadelta(lr, rho, eps);
  optimizer.kerasUpdate = true;
  // loss = sum(w^2) / 2, so the gradient is w itself.
  let expected = [0.5, -1, 2];
  const accGrad = [0, 0, 0], accUpdate = [0, 0, 0];
  for (let step = 0; step < 3; step++) {
    optimizer.minimize(() => tf.sum(tf.square(w)).div(2) as tf.Scalar);
    expected = expected.map((wi, j) => {
      const g = wi;
      accGrad[j] = rho * accGrad[j] + (1 - rho) * g * g;
      const update = (Math.sqrt(accUpdate[j] + eps) / Math.sqrt(accGrad[j] + eps)) * g;
      accUpdate[j] = rho * accUpdate[j] + (1 - rho) * update * update;
      return wi - lr * update;
    });
  }
  const actual = w.dataSync();
  expected.forEach((e, j) => assert.ok(Math.abs(actual[j] - e) < 1e-5, `w[${j}] ${actual[j]} vs ${e}`));
  // tfjs's own first step is a full SGD step (w - lr * g = 0 here): ours moved only by ~sqrt(eps/(1-rho)).
  assert.ok(Math.abs(actual[0] - 0.5) < 0.01);
  optimizer.dispose();

  // The same update off the engine (digits train --no-engine), with tfjs ops.
  await tf.setBackend('cpu');
  try {
    const v = tf.variable(tf.tensor1d([0.5, -1, 2]), true, 'zeiler-v');
    const onCpu = engineAdadelta(lr, rho, eps);
    onCpu.kerasUpdate = true;
    for (let step = 0; step < 3; step++) onCpu.minimize(() => tf.sum(tf.square(v)).div(2) as tf.Scalar);
    const cpu = v.dataSync();
    expected.forEach((e, j) => assert.ok(Math.abs(cpu[j] - e) < 1e-5, `cpu w[${j}] ${cpu[j]} vs ${e}`));
    onCpu.dispose();
  } finally {
    await tf.setBackend('digits-engine');
  }
});

test('training leaves no tensors behind', async (t) => {
  const out = await tempOut(t);
  const before = tf.memory().numTensors;
  await train({ config: config({ epochs: 1 }), out, data: { train: trainSet, test: testSet } });
  assert.equal(tf.memory().numTensors, before);
});

test('each epoch visits every image once, in an order fixed by (seed, epoch)', async () => {
  const { epochOrder } = await import('../../src/data/index.ts');
  const order = epochOrder(1000, 3, 0);
  assert.deepEqual([...order].sort((a, b) => a - b), Array.from({ length: 1000 }, (_, i) => i));
  assert.deepEqual(epochOrder(1000, 3, 0), order);
  assert.notDeepEqual(epochOrder(1000, 3, 1), order);
  assert.notDeepEqual(epochOrder(1000, 4, 0), order);
});

test('in the clean tail only half of each batch is augmented; before it, all of it', () => {
  const pixels = 28 * 28;
  const tailConfig = config({ epochs: 5, cleanTail: 2, batchSize: 8 });
  const gathered = trainSet.images.slice(0, 8 * pixels);
  const unit = Float32Array.from(gathered, (v) => v / 255);
  const changed = (inputs: Float32Array) =>
    Array.from({ length: 8 }, (_, n) => inputs.subarray(n * pixels, (n + 1) * pixels).some((v, i) => Math.abs(v - unit[n * pixels + i]) > 1e-6));
  const inputs = new Float32Array(8 * pixels);
  batchInputs(tailConfig, 2, 0, unit, inputs); // epoch 3 of 5: before the tail
  assert.deepEqual(changed(inputs), Array(8).fill(true));
  batchInputs(tailConfig, 3, 0, unit, inputs); // epoch 4 of 5: in the tail
  assert.deepEqual(changed(inputs), [true, true, true, true, false, false, false, false]);
  batchInputs(config({ augment: false, batchSize: 8, cleanTail: 2 }), 0, 0, unit, inputs);
  assert.deepEqual(changed(inputs), Array(8).fill(false));
});

test('a clean tail longer than the run cleans every epoch; a negative one is refused', async (t) => {
  const inputs = new Float32Array(8 * 784);
  const unit = Float32Array.from(trainSet.images.subarray(0, 8 * 784), (v) => v / 255);
  batchInputs(config({ epochs: 2, cleanTail: 9, batchSize: 8 }), 0, 0, unit, inputs);
  assert.deepEqual(inputs.subarray(4 * 784), unit.subarray(4 * 784));
  const out = await tempOut(t);
  await assert.rejects(train({ config: config({ cleanTail: -1 }), out, data: { train: trainSet } }), (e: Error) => e instanceof TrainConfigError && /clean tail/.test(e.message));
});

test('a one-cycle run keeps its last epoch; a constant-rate run keeps its best by validation', async (t) => {
  for (const schedule of ['one-cycle', 'constant'] as const) {
    const out = await tempOut(t);
    const result = await train({ config: config({ schedule }), out, data: { train: trainSet } });
    assert.equal(result.status, 'finished');
    if (result.status !== 'finished') return;
    const log = (await readFile(join(out, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    const bestByValidation = log.reduce((best, r) => (r.valAccuracy >= best.valAccuracy ? r : best)).epoch;
    assert.equal(result.metrics.bestEpoch, schedule === 'one-cycle' ? 3 : bestByValidation);
    // the saved weights are the checkpoint's last ('model') or best arrays
    const checkpoint = await readCheckpoint<unknown>(checkpointPath(out));
    const kept = schedule === 'one-cycle' ? checkpoint.arrays.model : checkpoint.arrays.best;
    const saved = await savedWeights(out);
    saved.forEach((w, i) => assert.deepEqual(w, kept[i].values, `${schedule}: weights ${i}`));
  }
});
