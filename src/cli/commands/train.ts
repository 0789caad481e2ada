// `digits train [--arch NAME] [--epochs N] [--batch-size N] [--lr X] [--seed N] [--out DIR] [--resume]
//               [--validation N] [--augment|--no-augment] [--data-dir DIR] [--threads N] [--json]`:
// trains a model on MNIST with the engine; a live progress bar, a checkpoint each epoch, Ctrl-C saves one
// and `--resume` continues. The model lands in --out only when the run finishes.
import { join } from 'node:path';
import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import type { OptimizerName, ScheduleName, TrainConfig, TrainEvent, TrainResult } from '../../train/index.ts';
import { UsageError, describeError, parseIntFlag, parseNumberFlag } from '../errors.ts';

interface TrainFlags {
  arch: string;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  seed: number;
  out?: string;
  resume?: boolean;
  validation?: number;
  augment?: boolean;
  strokeDigits?: number;
  cleanTail?: number;
  schedule?: string;
  dataDir?: string;
  threads?: number;
  json?: boolean;
  engine: boolean;
}

// Flags that decide the weights: a resumed run takes them from its checkpoint, and refuses different ones.
const CONFIG_FLAGS: [keyof TrainFlags, keyof TrainConfig, string][] = [
  ['arch', 'arch', '--arch'],
  ['epochs', 'epochs', '--epochs'],
  ['batchSize', 'batchSize', '--batch-size'],
  ['lr', 'lr', '--lr'],
  ['seed', 'seed', '--seed'],
  ['validation', 'validation', '--validation'],
  ['augment', 'augment', '--augment'],
  ['strokeDigits', 'strokeDigits', '--stroke-digits'],
  ['schedule', 'schedule', '--schedule'],
  ['cleanTail', 'cleanTail', '--clean-tail'],
];

export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description('Train a CNN on MNIST with the WebAssembly engine (progress bar, checkpoints, Ctrl-C to pause, --resume)')
    .option('--arch <name>', 'architecture: default, keras-cnn, small-cnn or fast (see src/train/recipes.ts)', 'default')
    .option('--epochs <n>', "passes over the training set (default: the architecture's recipe)", parseIntFlag('--epochs', 1, 10_000))
    .option('--batch-size <n>', 'images per step (default: the recipe, 128)', parseIntFlag('--batch-size', 1, 65_536))
    .option('--lr <x>', "peak learning rate (default: the recipe's)", parseNumberFlag('--lr', Number.MIN_VALUE, 100))
    .option('--seed <n>', 'seeds weights, shuffling, augmentation and dropout: same seed, same machine, same weights', parseIntFlag('--seed', 0, 2 ** 31 - 1), 1)
    .option('--out <dir>', 'folder for the trained model (default: runs/<arch>)')
    .option('--resume', 'continue the interrupted run whose checkpoint is in --out')
    .option('--validation <n>', "training images held out (from the end) to score each epoch, fit the temperature and, with a constant rate, pick the best epoch (default: the recipe's, 5000; keras-cnn 0)", parseIntFlag('--validation', 0, 59_999))
    .option('--augment', "augment the training images (rotation, scale, shear, shift, thickness, elastic); default: the recipe's")
    .option('--no-augment', 'train on the images as they are')
    .option('--stroke-digits <fraction>', "extra digits drawn from our pen-stroke templates, as a fraction of MNIST's (default: the recipe's)", parseNumberFlag('--stroke-digits', 0, 1))
    .option('--clean-tail <epochs>', "the last this-many epochs augment only half of each batch (default: the recipe's; default arch 4)", parseIntFlag('--clean-tail', 0, 10_000))
    .option('--schedule <name>', "learning-rate schedule: one-cycle or constant (default: the recipe's)")
    .option('--data-dir <dir>', 'folder with the MNIST files (default: $DIGITS_DATA_DIR, else the user cache; fetched if missing)')
    .option('--threads <n>', 'engine threads (default: all cores)', parseIntFlag('--threads', 1, 256))
    .option('--no-engine', "use TensorFlow.js's plain cpu backend (hundreds of times slower)")
    .option('--json', 'print one JSON object per line (start, epoch, checkpoint, done) instead of a progress bar')
    .action(async (flags: TrainFlags, command: Command) => {
      process.exitCode = await trainCommand(flags, command);
    });
}

async function trainCommand(flags: TrainFlags, command: Command): Promise<number> {
  const [trainPart, { ARCHITECTURES, isArchName }] = await Promise.all([import('../../train/index.ts'), import('../../model/index.ts')]);
  const { RECIPES, checkConfig, prepareOutput, readRunCheckpoint, train, TrainConfigError } = trainPart;
  if (!isArchName(flags.arch)) throw new UsageError(`--arch: unknown architecture '${flags.arch}': choose one of ${ARCHITECTURES.join(', ')}`);
  if (flags.schedule !== undefined && flags.schedule !== 'one-cycle' && flags.schedule !== 'constant') {
    throw new UsageError(`--schedule must be one-cycle or constant, got '${flags.schedule}'`);
  }
  const out = flags.out ?? `runs/${flags.arch}`;
  const given = (key: keyof TrainFlags) => command.getOptionValueSource(key) === 'cli';

  // Every check that can fail runs before the data loads and the long work starts.
  let config: TrainConfig;
  try {
    if (flags.resume) {
      const checkpoint = await readRunCheckpoint(out, given('arch') ? flags.arch : undefined);
      config = checkpoint.state.config;
      for (const [flag, key, name] of CONFIG_FLAGS) {
        if (given(flag) && flags[flag] !== config[key]) {
          throw new UsageError(`${name} ${String(flags[flag])} differs from the checkpoint's ${String(config[key])}: a resumed run keeps its settings (drop ${name}, or start a new run without --resume)`);
        }
      }
    } else {
      const recipe = RECIPES[flags.arch];
      config = {
        arch: flags.arch,
        epochs: flags.epochs ?? recipe.epochs,
        batchSize: flags.batchSize ?? recipe.batchSize,
        lr: flags.lr ?? recipe.lr,
        optimizer: recipe.optimizer as OptimizerName,
        schedule: (flags.schedule as ScheduleName | undefined) ?? recipe.schedule,
        augment: flags.augment ?? recipe.augment,
        strokeDigits: flags.strokeDigits ?? recipe.strokeDigits,
        seed: flags.seed,
        validation: flags.validation ?? recipe.validation,
        cleanTail: flags.cleanTail ?? recipe.cleanTail,
      };
      checkConfig(config);
      const unfinished = await readRunCheckpoint(out).catch(() => null);
      if (unfinished && unfinished.state.epoch < unfinished.state.config.epochs) {
        throw new UsageError(
          `${out} holds an unfinished run (${unfinished.state.config.arch}, epoch ${unfinished.state.epoch + 1} of ${unfinished.state.config.epochs}): continue it with --resume, or choose another --out (or delete ${join(out, '.train')})`,
        );
      }
    }
    await prepareOutput(out);
  } catch (error) {
    if (error instanceof TrainConfigError) throw new UsageError(error.message);
    throw error;
  }

  const [{ loadMnist, MNIST_FILES }, engine, tf] = await Promise.all([import('../../data/index.ts'), import('../../engine/index.ts'), import('@tensorflow/tfjs')]);
  const dataOptions = { dataDir: flags.dataDir };
  const trainSet = await loadMnist('train', dataOptions);
  const testSet = await loadMnist('test', dataOptions);

  let backend = 'cpu';
  if (flags.engine) {
    try {
      const info = await engine.useEngine(flags.threads ? { threads: flags.threads } : {});
      backend = `${info.backend} ${engine.ENGINE_VERSION}, ${info.threads} thread${info.threads === 1 ? '' : 's'}`;
    } catch (error) {
      console.error(`digits train: the engine did not start (${describeError(error)}); using TensorFlow.js's cpu backend, which is hundreds of times slower`);
    }
  }
  if (backend === 'cpu') await tf.setBackend('cpu');

  const controller = new AbortController();
  let firstSigint = 0;
  let finishing = false; // after the last epoch: the model is being written, and stopping would lose the run
  const onSigint = () => {
    if (finishing) {
      console.error('\ndigits train: the last epoch is done; saving the model, a few seconds more');
      return;
    }
    // Wrappers (npm run, npx, tsx) relay the terminal's Ctrl-C that this process already got: a second
    // SIGINT within a second is that echo, not the user asking to quit at once.
    if (controller.signal.aborted && Date.now() - firstSigint < 1000) return;
    if (controller.signal.aborted) {
      console.error('\ndigits train: stopped without a new checkpoint (the last one is intact)');
      process.exit(130);
    }
    console.error('\ndigits train: stopping after this batch and saving a checkpoint (Ctrl-C again to quit at once)');
    firstSigint = Date.now();
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  const show = flags.json ? jsonLines() : progressDisplay();
  let result: TrainResult;
  try {
    result = await train({
      config,
      out,
      data: { train: trainSet, test: testSet, sha256: Object.fromEntries(MNIST_FILES.map((f) => [f.name, f.sha256])) },
      resume: flags.resume,
      command: `digits ${process.argv.slice(2).join(' ')}`,
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === 'finishing') finishing = true;
        show.event(event);
      },
      backend,
      engineVersion: backend === 'cpu' ? undefined : engine.ENGINE_VERSION,
    });
  } catch (error) {
    // Settings that only the data can refute (a batch larger than the training set) are usage errors too.
    if (error instanceof TrainConfigError) throw new UsageError(error.message);
    throw error;
  } finally {
    show.stop();
    // The run is over (its checkpoint or model written): a relayed Ctrl-C arriving now must not kill the
    // process with a signal instead of the exit code below. The new listener goes on before the old one comes
    // off: with none at all, Node restores the default action, and a signal in between would kill the process.
    process.on('SIGINT', () => {});
    process.off('SIGINT', onSigint);
    await engine.disposeEngine();
  }
  if (result.status === 'interrupted') {
    const message = `interrupted in epoch ${result.epoch} after ${result.batchesDone} batches; checkpoint saved in ${result.checkpoint}. Continue with: digits train --resume --out ${out}`;
    if (flags.json) console.log(JSON.stringify({ type: 'interrupted', ...result }));
    console.error(message);
    return 130;
  }
  if (result.status !== 'finished') throw new Error(`the run stopped early at step ${result.step}`);
  const m = result.metrics;
  if (flags.json) console.log(JSON.stringify({ type: 'done', out, ...m }));
  else {
    const pct = (x: number | null) => (x === null ? 'n/a' : `${(100 * x).toFixed(2)}%`);
    console.log(`model saved in ${out}: test accuracy ${pct(m.testAccuracy)}, ECE ${pct(m.ece)} (before temperature ${pct(m.eceBeforeCalibration)}, T = ${m.temperature.toFixed(3)}), ${m.config.validation === 0 ? `the last epoch's weights (no validation split)` : m.bestEpoch === m.config.epochs ? `the last epoch's weights (validation ${pct(m.valAccuracy)})` : `best epoch ${m.bestEpoch} (validation ${pct(m.valAccuracy)})`}, ${m.parameters.toLocaleString('en-US')} parameters, ${formatSeconds(m.trainingSeconds)}`);
  }
  return 0;
}

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

interface Display {
  event: (event: TrainEvent) => void;
  stop: () => void;
}

function jsonLines(): Display {
  return {
    event: (event) => {
      if (event.type !== 'batch') console.log(JSON.stringify(event));
    },
    stop: () => {},
  };
}

/** A live bar on a terminal (stderr); one line per epoch either way. */
function progressDisplay(): Display {
  const live = process.stderr.isTTY === true;
  const bar = new SingleBar({
    format: 'epoch {epoch} [{bar}] {value}/{total} | {ips} img/s | ETA {eta} | loss {loss} | acc {acc} | lr {lr}',
    stream: process.stderr,
    hideCursor: true,
    clearOnComplete: true,
    barsize: 24,
  });
  let running = false;
  const stopBar = () => {
    if (running) bar.stop();
    running = false;
  };
  return {
    event: (event) => {
      switch (event.type) {
        case 'start': {
          const c = event.config;
          const resumed = !event.resumedAt ? '' : event.resumedAt.epoch > c.epochs ? ', every epoch done: writing the model' : `, resuming epoch ${event.resumedAt.epoch} after ${event.resumedAt.batchesDone} batches`;
          console.error(
            `training ${c.arch} (${event.parameters.toLocaleString('en-US')} parameters): ${c.epochs} epochs, batch ${c.batchSize}, ${c.optimizer} lr ${c.lr} ${c.schedule}, ` +
              `augment ${c.augment ? 'on' : 'off'}, seed ${c.seed}; ${event.trainImages} MNIST + ${event.strokeImages} pen-stroke training images, ${event.validationImages} validation${resumed}`,
          );
          break;
        }
        case 'batch': {
          if (!live) break;
          const values = {
            epoch: `${event.epoch}/${event.epochs}`,
            ips: Math.round(event.imagesPerSecond),
            eta: formatSeconds(event.etaSeconds),
            loss: event.loss.toFixed(4),
            acc: `${(100 * event.accuracy).toFixed(2)}%`,
            lr: event.lr.toExponential(2),
          };
          if (!running) {
            bar.start(event.batches, event.batch, values);
            running = true;
          } else bar.update(event.batch, values);
          break;
        }
        case 'epoch': {
          stopBar();
          const val = event.valAccuracy === null ? '' : `, validation ${(100 * event.valAccuracy).toFixed(2)}% (loss ${event.valLoss!.toFixed(4)})${event.best ? ' best' : ''}`;
          console.error(
            `epoch ${event.epoch}: train loss ${event.trainLoss.toFixed(4)}, accuracy ${(100 * event.trainAccuracy).toFixed(2)}%${val}; ${Math.round(event.imagesPerSecond)} img/s, ${formatSeconds(event.seconds)} (total ${formatSeconds(event.elapsedSeconds)})`,
          );
          break;
        }
        case 'checkpoint':
          if (event.reason === 'interrupted') stopBar();
          break;
        case 'calibrated':
          console.error(`temperature ${event.temperature.toFixed(3)} fitted on the validation split: ECE ${(100 * event.eceBefore).toFixed(2)}% -> ${(100 * event.eceAfter).toFixed(2)}%`);
          break;
      }
    },
    stop: stopBar,
  };
}
