// The segmentation verifier's training: numbers composed from MNIST training digits (half of them touching),
// scanned, cut into their lattice of candidate digits exactly as recognition cuts a picture, and each candidate
// labelled by where the true digits are: its digit when its box matches one digit's box, else "not one whole
// digit". The digit model reads the right half of an 8 as a sure 3; the verifier has seen such pieces.
import * as tf from '@tensorflow/tfjs';
import type { MnistSet } from '../data/index.ts';
import { epochOrder } from '../data/index.ts';
import { composeNumber, findInk, preprocessDigit, scanOf, segmentLattice, seededRandom, MNIST_SIZE, type Box, type InkMap } from '../vision/index.ts';
import { buildVerifier, VERIFIER_CLASSES } from '../model/index.ts';
import { engineAdam } from '../engine/index.ts';
import { argmaxRows } from './evaluate.ts';

const PIXELS = MNIST_SIZE * MNIST_SIZE;
export const NOT_ONE_DIGIT = VERIFIER_CLASSES - 1; // the label of a candidate that is no true digit

export interface VerifierConfig {
  numbers: number; // numbers composed for training data
  epochs: number;
  batchSize: number;
  lr: number; // peak rate of a cosine schedule to 0, Adam
  seed: number; // seeds the numbers, the weights and the order
  heldOut: number; // candidates kept out of training to report accuracy on (at most a tenth of them)
}

// 16,000 numbers give ~220,000 candidates; 6 epochs on them take ~5 minutes on 2 cores.
export const VERIFIER_RECIPE: VerifierConfig = { numbers: 16_000, epochs: 6, batchSize: 64, lr: 0.002, seed: 1, heldOut: 10_000 };

// The training digits the numbers are made of: MNIST's training images before the validation split that
// recognition is tuned on (55,000-59,999), so tuning numbers never hold a digit the verifier saw.
export const VERIFIER_DIGITS = 55_000;

// A candidate is a true digit when its ink box overlaps that digit's box this much (intersection over union).
const MATCH = 0.8;

export interface CandidateSet {
  images: Uint8Array; // (count, 28, 28), 0..255 white ink on black: what the classifier sees, quantized
  labels: Uint8Array; // (count): 0-9, or NOT_ONE_DIGIT
  count: number;
}

/** The lattice candidates of `config.numbers` composed numbers, labelled. `onNumber` reports progress. */
export function verifierCandidates(set: MnistSet, config: Pick<VerifierConfig, 'numbers' | 'seed'>, onNumber?: (done: number) => void): CandidateSet {
  const pool = Math.min(VERIFIER_DIGITS, set.count);
  const digit = (k: number): InkMap => {
    const data = new Float32Array(PIXELS);
    for (let i = 0; i < PIXELS; i++) data[i] = set.images[k * PIXELS + i] / 255;
    return { width: MNIST_SIZE, height: MNIST_SIZE, data };
  };
  const rng = seededRandom(config.seed);
  const images: Uint8Array[] = [];
  const labels: number[] = [];
  for (let t = 0; t < config.numbers; t++) {
    // as the benchmark composes them: 2 to 8 digits, 36-64 px tall
    const picks = Array.from({ length: 2 + Math.floor(rng() * 7) }, () => Math.floor(rng() * pool));
    const digitHeight = Math.round(36 + rng() * 28);
    const touching = rng() < 0.5;
    const { ink, boxes } = composeNumber(picks.map(digit), rng, { digitHeight, touching });
    for (const candidate of segmentLattice(findInk(scanOf(ink))).candidates) {
      if (!candidate.ink) continue;
      const prepared = preprocessDigit(candidate.ink.ink);
      if (prepared.empty) continue;
      const match = boxes.findIndex((box) => overlap(candidate.ink!.box, box) >= MATCH);
      const image = new Uint8Array(PIXELS);
      for (let i = 0; i < PIXELS; i++) image[i] = Math.round(255 * Math.min(1, Math.max(0, prepared.image[i])));
      images.push(image);
      labels.push(match < 0 ? NOT_ONE_DIGIT : set.labels[picks[match]]);
    }
    onNumber?.(t + 1);
  }
  const out = new Uint8Array(images.length * PIXELS);
  images.forEach((image, k) => out.set(image, k * PIXELS));
  return { images: out, labels: Uint8Array.from(labels), count: images.length };
}

/** Intersection over union of two boxes. */
function overlap(a: Box, b: Box): number {
  const w = Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]);
  if (w <= 0 || h <= 0) return 0;
  return (w * h) / (a[2] * a[3] + b[2] * b[3] - w * h);
}

/** Candidates held out of `count`: the config's, but at most a tenth. */
export function heldOutCount(count: number, config: Pick<VerifierConfig, 'heldOut'>): number {
  return Math.min(config.heldOut, Math.floor(count / 10));
}

export interface VerifierEpoch {
  epoch: number;
  loss: number; // mean training loss
  heldOutAccuracy: number; // 11 classes, on the held-out candidates
  oneDigitAccuracy: number; // one whole digit or not, on the held-out candidates
  digitAccuracy: number; // the right digit of the ten, on the held-out candidates that are one true digit
  seconds: number; // since training began
}

/**
 * Trains the verifier on `data` (the last `config.heldOut` candidates kept out to score each epoch): Adam, a
 * cosine rate from `config.lr` to 0. Deterministic for a seed on one machine.
 */
export async function trainVerifier(data: CandidateSet, config: VerifierConfig, onEpoch?: (e: VerifierEpoch) => void, onBatch?: (done: number, total: number) => void): Promise<{ model: tf.LayersModel; epochs: VerifierEpoch[] }> {
  const trainCount = data.count - heldOutCount(data.count, config);
  const B = config.batchSize;
  if (trainCount < B) throw new RangeError(`only ${data.count} candidates for batches of ${B}: compose more numbers`);
  const model = buildVerifier(config.seed);
  const optimizer = engineAdam(config.lr);
  const variables = model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  const perEpoch = Math.floor(trainCount / B);
  const steps = perEpoch * config.epochs;
  const images = new Float32Array(B * PIXELS);
  const labels = new Int32Array(B);
  const started = performance.now();
  const epochs: VerifierEpoch[] = [];
  for (let epoch = 0, step = 0; epoch < config.epochs; epoch++) {
    const order = epochOrder(trainCount, config.seed, epoch);
    let lossSum = 0;
    for (let b = 0; b < perEpoch; b++, step++) {
      (optimizer as unknown as { learningRate: number }).learningRate = config.lr * 0.5 * (1 + Math.cos((Math.PI * step) / steps));
      for (let j = 0; j < B; j++) {
        const k = order[b * B + j];
        for (let i = 0; i < PIXELS; i++) images[j * PIXELS + i] = data.images[k * PIXELS + i] / 255;
        labels[j] = data.labels[k];
      }
      const loss = tf.tidy(() => {
        const x = tf.tensor4d(images, [B, MNIST_SIZE, MNIST_SIZE, 1]);
        const y = tf.oneHot(tf.tensor1d(labels, 'int32'), VERIFIER_CLASSES).toFloat();
        return optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor2D) as tf.Scalar, true, variables)!;
      });
      lossSum += (await loss.data())[0];
      loss.dispose();
      onBatch?.(step + 1, steps);
    }
    const scored = await scoreVerifier(model, data, trainCount);
    const record = { epoch: epoch + 1, loss: lossSum / perEpoch, ...scored, seconds: (performance.now() - started) / 1000 };
    epochs.push(record);
    onEpoch?.(record);
  }
  return { model, epochs };
}

/** The held-out accuracies of the verifier on the candidates from `from` on (see verifierAccuracies). */
async function scoreVerifier(model: tf.LayersModel, data: CandidateSet, from: number): Promise<VerifierAccuracies> {
  const n = data.count - from;
  const logits = new Float32Array(n * VERIFIER_CLASSES);
  for (let start = 0; start < n; start += 500) {
    const m = Math.min(500, n - start);
    const x = new Float32Array(m * PIXELS);
    for (let i = 0; i < x.length; i++) x[i] = data.images[(from + start) * PIXELS + i] / 255;
    const out = tf.tidy(() => model.predict(tf.tensor4d(x, [m, MNIST_SIZE, MNIST_SIZE, 1])) as tf.Tensor2D);
    logits.set(await out.data(), start * VERIFIER_CLASSES);
    out.dispose();
  }
  return verifierAccuracies(logits, data.labels.subarray(from));
}

export type VerifierAccuracies = Pick<VerifierEpoch, 'heldOutAccuracy' | 'oneDigitAccuracy' | 'digitAccuracy'>;

/**
 * A verifier's accuracies from its outputs (count, 11) and the candidates' labels: over the 11 classes, as
 * one-digit-or-not, and, on the true digits, as a digit reader (the best of the ten digits: recognition weighs
 * that in on cut ink).
 */
export function verifierAccuracies(logits: Float32Array, labels: Uint8Array): VerifierAccuracies {
  let right = 0;
  let rightKind = 0;
  let digits = 0;
  let rightDigit = 0;
  const classes = argmaxRows(logits, VERIFIER_CLASSES);
  for (let j = 0; j < labels.length; j++) {
    const best = classes[j];
    const truth = labels[j];
    if (best === truth) right++;
    if ((best === NOT_ONE_DIGIT) === (truth === NOT_ONE_DIGIT)) rightKind++;
    if (truth !== NOT_ONE_DIGIT) {
      digits++;
      const tenDigits = logits.subarray(j * VERIFIER_CLASSES, j * VERIFIER_CLASSES + NOT_ONE_DIGIT);
      if (argmaxRows(tenDigits, NOT_ONE_DIGIT)[0] === truth) rightDigit++;
    }
  }
  const n = Math.max(1, labels.length);
  return { heldOutAccuracy: right / n, oneDigitAccuracy: rightKind / n, digitAccuracy: rightDigit / Math.max(1, digits) };
}
