// One evaluation run, as `digits eval` does it: logits for the test set, the temperature (the model's own, or
// fitted here on the validation split), every figure at that temperature and at T = 1, robustness rows,
// and what the HTML report needs. The CLI only loads things, calls this and prints.
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { fitTemperature } from './calibrate.ts';
import { crossEntropyFromLogits, evaluateProbabilities, expectedCalibrationError, reliabilityBins, softmax } from './evaluate.ts';
import type { ClassScores, Evaluation, Mistake, ReliabilityBin } from './evaluate.ts';
import { modelLogits } from './evaluate-model.ts';
import { mnistVariantSets, penStrokeSet, robustnessRows } from './robustness.ts';
import type { RobustnessRow } from './robustness.ts';

const PIXELS = 28 * 28;
/** Test digits each MNIST-based robustness row uses (the first ones): enough for ±0.5% at 98%, and quick. */
export const ROBUSTNESS_IMAGES = 2000;

export interface LabelledImages {
  images: Float32Array; // (count, 28, 28), 0..1
  labels: Uint8Array; // (count,)
  count: number;
  source: string; // for people: what these images are
}

export interface EvaluationRunOptions {
  model: LayersModel;
  test: LabelledImages;
  /** The model's own temperature (from its metadata); when absent it is fitted on `validation`. */
  temperature?: number;
  /** Loads the validation split, only called when a temperature must be fitted; null when there is none. */
  validation?: () => Promise<LabelledImages | null>;
  robustness?: boolean; // default true
  mistakes?: number; // how many confident mistakes to keep, default 24
  batchSize?: number;
  onProgress?: (stage: string, done: number, total: number) => void;
}

export interface TemperatureChoice {
  temperature: number;
  source: string; // 'model metadata', 'fitted on ...', or 'none (no validation data): T = 1'
}

export interface EvaluationRun {
  n: number;
  accuracy: number;
  loss: number; // at `temperature`
  ece: number; // at `temperature`
  uncalibrated: { loss: number; ece: number }; // at T = 1
  temperature: number;
  temperatureSource: string;
  confusion: number[][];
  perClass: ClassScores[];
  mistakes: Mistake[];
  reliability: ReliabilityBin[]; // at `temperature`
  reliabilityUncalibrated: ReliabilityBin[];
  robustness: RobustnessRow[] | null;
  seconds: number; // wall time of the test set's forward passes
  imagesPerSecond: number;
  evaluation: Evaluation; // everything above at `temperature`, for the report
}

export async function runEvaluation(options: EvaluationRunOptions): Promise<EvaluationRun> {
  const { model, test } = options;
  const progress = options.onProgress ?? (() => {});
  if (test.count === 0) throw new Error(`no test images in ${test.source}`);

  const started = performance.now();
  const logits = await modelLogits(model, test.images, test.count, {
    batchSize: options.batchSize,
    onBatch: (done) => progress('test set', done, test.count),
  });
  const seconds = (performance.now() - started) / 1000;

  const { temperature, source } = await chooseTemperature(options);
  const probabilities = softmax(logits, 10, temperature);
  const evaluation = evaluateProbabilities(probabilities, test.labels, { mistakes: options.mistakes ?? 24 });
  const rawProbabilities = softmax(logits, 10, 1);

  let robustness: RobustnessRow[] | null = null;
  if (options.robustness ?? true) {
    const count = Math.min(test.count, ROBUSTNESS_IMAGES);
    const sets = [...mnistVariantSets(test.images, test.labels, count), penStrokeSet()];
    const total = sets.reduce((sum, set) => sum + set.count, 0);
    let done = 0;
    robustness = await robustnessRows(async (images, n) => {
      const scores = await modelLogits(model, images, n, { batchSize: options.batchSize });
      done += n;
      progress('robustness', done, total);
      return scores;
    }, sets);
  }

  return {
    n: evaluation.n,
    accuracy: evaluation.accuracy,
    loss: crossEntropyFromLogits(logits, test.labels, temperature),
    ece: evaluation.ece,
    uncalibrated: { loss: crossEntropyFromLogits(logits, test.labels, 1), ece: expectedCalibrationError(rawProbabilities, test.labels) },
    temperature,
    temperatureSource: source,
    confusion: evaluation.confusion,
    perClass: evaluation.perClass,
    mistakes: evaluation.mistakes,
    reliability: evaluation.reliability,
    reliabilityUncalibrated: reliabilityBins(rawProbabilities, test.labels),
    robustness,
    seconds,
    imagesPerSecond: test.count / Math.max(seconds, 1e-9),
    evaluation,
  };
}

/** The model's own temperature when it has one; otherwise one fitted on the validation split; otherwise 1. */
async function chooseTemperature(options: EvaluationRunOptions): Promise<TemperatureChoice> {
  if (options.temperature !== undefined) {
    if (!(options.temperature > 0) || !Number.isFinite(options.temperature)) {
      throw new Error(`the model's temperature must be a positive number, got ${options.temperature}`);
    }
    return { temperature: options.temperature, source: 'model metadata' };
  }
  const validation = options.validation ? await options.validation() : null;
  if (!validation || validation.count === 0) return { temperature: 1, source: 'none (no validation data): T = 1' };
  const logits = await modelLogits(options.model, validation.images, validation.count, {
    batchSize: options.batchSize,
    onBatch: (done) => options.onProgress?.('validation set', done, validation.count),
  });
  const fit = fitTemperature(logits, validation.labels);
  return { temperature: fit.temperature, source: `fitted on ${validation.source}` };
}

/** The images of the given rows, e.g. the mistakes, each (28, 28). */
export function imagesAt(images: Float32Array, indices: number[]): Float32Array[] {
  return indices.map((i) => images.slice(i * PIXELS, (i + 1) * PIXELS));
}
