// `digits train-verifier [--out DIR] [--numbers N] [--epochs N] [--seed N] [--data-dir DIR] [--threads N] [--json]`:
// trains the segmentation verifier that recognition uses to tell one whole digit from a piece of one or two
// read as one (src/train/verifier.ts). Its default --out is where recognition looks: models/default/verifier.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { UsageError, describeError, parseIntFlag, parseNumberFlag } from '../errors.ts';

interface Flags {
  out: string;
  numbers?: number;
  epochs?: number;
  lr?: number;
  seed?: number;
  dataDir?: string;
  threads?: number;
  json?: boolean;
}

export function registerTrainVerifierCommand(program: Command): void {
  program
    .command('train-verifier')
    .description('Train the segmentation verifier (one whole digit, or a piece / two digits?) on numbers made of MNIST training digits')
    .option('--out <dir>', 'folder for the verifier; recognition loads <model>/verifier', 'models/default/verifier')
    .option('--numbers <n>', 'numbers composed for training candidates (default 16000)', parseIntFlag('--numbers', 1, 1_000_000))
    .option('--epochs <n>', 'passes over the candidates (default 6)', parseIntFlag('--epochs', 1, 1000))
    .option('--lr <x>', 'peak learning rate (default 0.002)', parseNumberFlag('--lr', Number.MIN_VALUE, 10))
    .option('--seed <n>', 'seeds the numbers, weights and order (default 1)', parseIntFlag('--seed', 0, 2 ** 31 - 1))
    .option('--data-dir <dir>', 'folder with the MNIST files (default: $DIGITS_DATA_DIR, else the user cache; fetched if missing)')
    .option('--threads <n>', 'engine threads (default: all cores)', parseIntFlag('--threads', 1, 256))
    .option('--json', 'print one JSON object per line (start, epoch, done) instead of a progress bar')
    .action(async (flags: Flags) => {
      process.exitCode = await trainVerifierCommand(flags);
    });
}

async function trainVerifierCommand(flags: Flags): Promise<number> {
  const { VERIFIER_RECIPE, verifierCandidates, trainVerifier, heldOutCount, NOT_ONE_DIGIT } = await import('../../train/verifier.ts');
  const config = {
    ...VERIFIER_RECIPE,
    ...(flags.numbers !== undefined && { numbers: flags.numbers }),
    ...(flags.epochs !== undefined && { epochs: flags.epochs }),
    ...(flags.lr !== undefined && { lr: flags.lr }),
    ...(flags.seed !== undefined && { seed: flags.seed }),
  };
  // The output folder must be writable before minutes of work; the model lands there only at the end.
  try {
    await mkdir(flags.out, { recursive: true });
    const probe = join(flags.out, `.write-test-${process.pid}`);
    await writeFile(probe, '');
    await rm(probe, { force: true });
  } catch (error) {
    throw new UsageError(`cannot write in --out ${flags.out}: ${describeError(error)}`);
  }
  const [{ loadMnist, MNIST_FILES }, engine, { saveModel }] = await Promise.all([
    import('../../data/index.ts'),
    import('../../engine/index.ts'),
    import('../../model/node.ts'),
  ]);
  const trainSet = await loadMnist('train', { dataDir: flags.dataDir });
  const info = await engine.useEngine(flags.threads ? { threads: flags.threads } : {});
  const say = (event: Record<string, unknown>, text: string) => (flags.json ? console.log(JSON.stringify(event)) : console.error(text));
  const started = performance.now();
  try {
    say({ type: 'start', ...config }, `composing ${config.numbers.toLocaleString('en-US')} numbers of MNIST training digits and cutting them as recognition does`);
    const bar = !flags.json && process.stderr.isTTY ? new SingleBar({ format: '{what} [{bar}] {value}/{total} | ETA {eta}s', stream: process.stderr, hideCursor: true, clearOnComplete: true, barsize: 24 }) : null;
    bar?.start(config.numbers, 0, { what: 'numbers' });
    const data = verifierCandidates(trainSet, config, (done) => bar?.update(done));
    bar?.stop();
    const notOne = data.labels.filter((label) => label === NOT_ONE_DIGIT).length;
    say(
      { type: 'candidates', count: data.count, notOneDigit: notOne },
      `${data.count.toLocaleString('en-US')} candidates (${((100 * notOne) / data.count).toFixed(0)}% not one whole digit); training ${config.epochs} epochs, ${heldOutCount(data.count, config).toLocaleString('en-US')} held out (${info.threads} threads)`,
    );
    let barStarted = false;
    const { model, epochs } = await trainVerifier(
      data,
      config,
      (e) => {
        if (barStarted) bar?.stop();
        barStarted = false;
        say({ type: 'epoch', ...e }, `epoch ${e.epoch}: loss ${e.loss.toFixed(4)}, held out ${(100 * e.heldOutAccuracy).toFixed(2)}% (one digit or not ${(100 * e.oneDigitAccuracy).toFixed(2)}%, the digit of true digits ${(100 * e.digitAccuracy).toFixed(2)}%), ${Math.round(e.seconds)}s`);
      },
      (done, total) => {
        if (!bar) return;
        if (!barStarted) bar.start(total, done, { what: 'batches' });
        barStarted = true;
        bar.update(done);
      },
    );
    const last = epochs[epochs.length - 1];
    const seconds = (performance.now() - started) / 1000;
    await saveModel(model, flags.out, {
      arch: 'verifier',
      config,
      candidates: data.count,
      heldOutAccuracy: last.heldOutAccuracy,
      oneDigitAccuracy: last.oneDigitAccuracy,
      digitAccuracy: last.digitAccuracy,
      trainingSeconds: seconds,
      command: `digits ${process.argv.slice(2).join(' ')}`,
      data: Object.fromEntries(MNIST_FILES.filter((f) => f.name.startsWith('train')).map((f) => [f.name, f.sha256])),
      engineVersion: engine.ENGINE_VERSION,
    });
    say({ type: 'done', out: flags.out, ...last, seconds }, `verifier saved in ${flags.out}: one digit or not ${(100 * last.oneDigitAccuracy).toFixed(2)}% on held-out candidates (the digit of true digits ${(100 * last.digitAccuracy).toFixed(2)}%), ${Math.round(seconds)}s in all`);
  } finally {
    await engine.disposeEngine();
  }
  return 0;
}
