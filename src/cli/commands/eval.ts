// `digits eval [--model DIR] [--data-dir DIR] [--json] [--report FILE.html] [--no-robustness] [--limit N]`:
// how good a model is on the MNIST test set (or any IDX pair), how honest its confidence is, and how it
// holds up on digits unlike MNIST's.
import { access, constants, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { EvaluationRun, LabelledImages } from '../../train/evaluate-run.ts';
import { UsageError, describeError, parseIntFlag } from '../errors.ts';

// The heavy parts (TensorFlow.js, the engine) load when the command runs, so `digits --help` and the other
// commands start fast and do not depend on them.
async function loadParts() {
  const [tf, data, modelNode, engine, run, evalModel, report, metrics] = await Promise.all([
    import('@tensorflow/tfjs-core'),
    import('../../data/index.ts'),
    import('../../model/node.ts'),
    import('../../engine/index.ts'),
    import('../../train/evaluate-run.ts'),
    import('../../train/evaluate-model.ts'),
    import('../../train/report.ts'),
    import('../../train/report-metrics.ts'),
    import('@tensorflow/tfjs-backend-cpu'),
  ]);
  return { tf, ...data, ...modelNode, ...engine, ...run, ...evalModel, ...report, ...metrics };
}
type Parts = Awaited<ReturnType<typeof loadParts>>;

interface EvalOptions {
  model: string;
  dataDir?: string;
  images?: string;
  labels?: string;
  json?: boolean;
  report?: string;
  robustness: boolean;
  limit?: number;
  mistakes: number;
  engine: boolean;
}

export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description('Evaluate a model on the MNIST test set: accuracy, loss, calibration (ECE), per-class scores, robustness rows')
    .option('--model <dir>', 'model folder (model.json + weights + metadata)', 'models/default')
    .option('--data-dir <dir>', 'folder with the MNIST files (default: $DIGITS_DATA_DIR, else the user cache)')
    .option('--images <file>', 'evaluate on this IDX images file instead of the MNIST test set (with --labels)')
    .option('--labels <file>', 'the IDX labels file for --images')
    .option('--json', 'print one JSON object instead of text')
    .option('--report <file.html>', 'also write a self-contained HTML report to this file')
    .option('--no-robustness', 'skip the robustness rows (bolder, thinner, slanted, rotated, shifted, pen strokes)')
    .option('--limit <n>', 'evaluate only the first N test images', parseIntFlag('--limit', 1))
    .option('--mistakes <n>', 'how many confident mistakes to keep', parseIntFlag('--mistakes', 0, 1000), 24)
    .option('--no-engine', "use TensorFlow.js's plain cpu backend instead of the WebAssembly engine")
    .action(async (options: EvalOptions) => {
      await evalCommand(options);
    });
}

async function evalCommand(options: EvalOptions): Promise<void> {
  // Everything that can be wrong with the arguments is found before the long work starts.
  if ((options.images === undefined) !== (options.labels === undefined)) throw new UsageError('--images and --labels go together');
  if (options.report !== undefined) await checkWritableFile(options.report);

  const parts = await loadParts();
  const { runEvaluation, writeReport, imagesAt, readMetricsLog, disposeEngine } = parts;
  const test = await loadTestSet(parts, options);
  // The backend before the model: weights are created on the backend current when they load.
  const backend = await chooseBackend(parts, options.engine);
  const loaded = await loadModelOrExplain(parts, options.model);
  const bar = progressBar(options.json === true);
  try {
    const run = await runEvaluation({
      model: loaded.model,
      test,
      temperature: loaded.temperature,
      validation: () => loadValidationSet(parts, options, loaded.validationCount),
      robustness: options.robustness,
      mistakes: options.mistakes,
      onProgress: bar.update,
    });
    bar.stop();
    if (options.report !== undefined) {
      await writeReport(options.report, {
        title: options.model,
        generatedAt: new Date().toISOString(),
        dataSource: test.source,
        evaluation: run.evaluation,
        calibration: {
          temperature: run.temperature,
          fittedOn: run.temperatureSource,
          eceBefore: run.uncalibrated.ece,
          eceAfter: run.ece,
          reliabilityBefore: run.reliabilityUncalibrated,
          reliabilityAfter: run.reliability,
        },
        mistakeImages: imagesAt(
          test.images,
          run.mistakes.map((m) => m.index),
        ),
        metrics: await readMetricsLog(join(options.model, 'metrics.jsonl')),
        robustness: run.robustness,
        details: { ...loaded.details, backend, 'test-set speed': `${Math.round(run.imagesPerSecond)} images/s` },
      });
    }
    if (options.json) console.log(JSON.stringify(jsonResult(options, test, run, backend)));
    else printSummary(options, test, run, backend);
  } finally {
    bar.stop();
    if (backend !== 'cpu') await disposeEngine();
  }
}

interface LoadedModel {
  model: LayersModel;
  temperature?: number;
  validationCount?: number;
  details: Record<string, string | number>;
}

// loadModel's own errors already name the folder and what is wrong with it (missing, not a folder, corrupt).
async function loadModelOrExplain({ loadModel, modelMetadata, ModelFileError }: Parts, dir: string): Promise<LoadedModel> {
  let model: LayersModel;
  try {
    model = await loadModel(dir);
  } catch (error) {
    if (error instanceof ModelFileError) throw error;
    throw new Error(`cannot load the model in ${dir}: ${describeError(error)}`);
  }
  const metadata = modelMetadata(model);
  const number = (key: string) => (typeof metadata[key] === 'number' ? (metadata[key] as number) : undefined);
  const details: Record<string, string | number> = {};
  if (typeof metadata.arch === 'string') details.architecture = metadata.arch;
  details.parameters = model.countParams().toLocaleString('en-US');
  return { model, temperature: number('temperature'), validationCount: number('validation') ?? number('validationCount'), details };
}

async function loadTestSet({ readIdx, pairImagesWithLabels, loadMnist, bytesToUnit }: Parts, options: EvalOptions): Promise<LabelledImages> {
  if (options.images !== undefined && options.labels !== undefined) {
    const images = await readIdx(options.images, { kind: 'images' });
    const labels = await readIdx(options.labels, { kind: 'labels' });
    const set = pairImagesWithLabels(images, labels, options.images, options.labels);
    return limited(bytesToUnit, set, options.limit, `${options.images}`);
  }
  const set = await loadMnist('test', { dataDir: options.dataDir, download: false });
  return limited(bytesToUnit, set, options.limit, 'MNIST test set');
}

function limited(bytesToUnit: Parts['bytesToUnit'], set: { images: Uint8Array; labels: Uint8Array; count: number }, limit: number | undefined, name: string): LabelledImages {
  const count = Math.min(set.count, limit ?? set.count);
  return {
    images: bytesToUnit(set.images.subarray(0, count * 784)),
    labels: set.labels.slice(0, count),
    count,
    source: `${name}, ${count === set.count ? `${count.toLocaleString('en-US')} images` : `first ${count.toLocaleString('en-US')} of ${set.count.toLocaleString('en-US')} images`}`,
  };
}

// The validation split is the end of the training set, as `digits train` holds it out.
async function loadValidationSet({ loadMnist, bytesToUnit }: Parts, options: EvalOptions, count = 5000): Promise<LabelledImages | null> {
  if (options.images !== undefined) return null; // a custom test set has no matching validation split
  let train;
  try {
    train = await loadMnist('train', { dataDir: options.dataDir, download: false });
  } catch {
    return null;
  }
  const start = Math.max(0, train.count - count);
  return {
    images: bytesToUnit(train.images.subarray(start * 784)),
    labels: train.labels.slice(start),
    count: train.count - start,
    source: `the validation split (last ${(train.count - start).toLocaleString('en-US')} training images)`,
  };
}

async function chooseBackend({ useEngine, tf }: Parts, engine: boolean): Promise<string> {
  if (engine) {
    try {
      const info = await useEngine();
      return `${info.backend} (${info.threads} threads)`;
    } catch (error) {
      // the plain cpu backend gives the same answers, only much slower
      console.error(`digits eval: the engine did not start (${describeError(error)}); using TensorFlow.js's cpu backend, which is much slower`);
    }
  }
  await tf.setBackend('cpu');
  return 'cpu';
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

async function checkWritableFile(path: string): Promise<void> {
  const folder = dirname(resolve(path));
  if (!(await isDirectory(folder))) throw new UsageError(`--report: folder ${folder} does not exist`);
  try {
    await access(folder, constants.W_OK);
  } catch {
    throw new UsageError(`--report: cannot write in ${folder}`);
  }
  if (await isDirectory(path)) throw new UsageError(`--report: ${path} is a folder, expected a file name like report.html`);
}

function progressBar(quiet: boolean): { update: (stage: string, done: number, total: number) => void; stop: () => void } {
  if (quiet || !process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new SingleBar({ format: '{stage} [{bar}] {value}/{total} images', stream: process.stderr, clearOnComplete: true, hideCursor: true });
  let stage = '';
  let running = false;
  return {
    update: (name, done, total) => {
      if (name !== stage) {
        if (running) bar.stop();
        bar.start(total, done, { stage: name.padEnd(14) });
        stage = name;
        running = true;
      } else bar.update(done);
    },
    stop: () => {
      if (running) bar.stop();
      running = false;
    },
  };
}

function jsonResult(options: EvalOptions, test: LabelledImages, run: EvaluationRun, backend: string) {
  return {
    model: options.model,
    data: test.source,
    n: run.n,
    accuracy: run.accuracy,
    loss: run.loss,
    ece: run.ece,
    temperature: run.temperature,
    temperatureSource: run.temperatureSource,
    uncalibrated: run.uncalibrated,
    confusion: run.confusion,
    perClass: run.perClass.map(({ digit, precision, recall, support }) => ({ digit, precision, recall, support })),
    robustness: run.robustness,
    mistakes: run.mistakes,
    backend,
    seconds: run.seconds,
    imagesPerSecond: run.imagesPerSecond,
    ...(options.report !== undefined ? { report: options.report } : {}),
  };
}

const pct = (x: number, digits = 2) => `${(100 * x).toFixed(digits)}%`;

function printSummary(options: EvalOptions, test: LabelledImages, run: EvaluationRun, backend: string): void {
  const wrong = Math.round(run.n * (1 - run.accuracy));
  const lines = [
    `model        ${options.model}`,
    `data         ${test.source}`,
    `accuracy     ${pct(run.accuracy)}  (${wrong} wrong of ${run.n})`,
    `loss         ${run.loss.toFixed(4)}  (${run.uncalibrated.loss.toFixed(4)} at T = 1)`,
    `ECE          ${pct(run.ece)}  (${pct(run.uncalibrated.ece)} at T = 1)`,
    `temperature  ${run.temperature.toFixed(3)}  (${run.temperatureSource})`,
    `speed        ${Math.round(run.imagesPerSecond)} images/s on ${backend}`,
    '',
    'digit  precision  recall       n',
    ...run.perClass.map((s) => `  ${s.digit}    ${pct(s.precision).padStart(7)}  ${pct(s.recall).padStart(7)}  ${String(s.support).padStart(6)}`),
    '',
    'confusion (rows: true digit, columns: read as)',
    `       ${run.confusion.map((_, p) => String(p).padStart(5)).join('')}`,
    ...run.confusion.map((row, t) => `  ${t}    ${row.map((v) => String(v).padStart(5)).join('')}`),
  ];
  if (run.robustness) {
    const width = Math.max(...run.robustness.map((r) => r.name.length));
    lines.push('', 'robustness', ...run.robustness.map((r) => `  ${r.name.padEnd(width)}  ${pct(r.accuracy).padStart(7)}  (n ${r.n})  ${r.description}`));
  }
  if (run.mistakes.length > 0) {
    lines.push('', `most confident mistakes: ${run.mistakes.slice(0, 8).map((m) => `#${m.index} ${m.label}->${m.predicted} ${pct(m.confidence, 1)}`).join(', ')}`);
  }
  if (options.report !== undefined) lines.push('', `report written to ${options.report}`);
  console.log(lines.join('\n'));
}
