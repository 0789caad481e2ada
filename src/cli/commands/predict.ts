// `digits predict [--model DIR] [--json] FILE...`: read the digits in image files.
// One line per file (text, or a JSON object with --json); a file that cannot be read is reported and skipped,
// and the command exits 1 at the end if any was.
import { readFile, stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { useEngine } from '../../engine/index.ts';
import { loadClassifier } from '../../model/node.ts';
import type { ModelMetadata } from '../../model/node.ts';
import type { DigitClassifier, Reading } from '../../recognize/types.ts';
import { describeError } from '../errors.ts';
import { defaultModelDir, readImageBytes, roundReading } from '../../server/index.ts';

/** Bigger files are refused before reading: no PNG/JPEG of at most 25 megapixels needs more. */
const MAX_FILE_BYTES = 100 * 1024 * 1024;

export type FileResult = ({ file: string } & Reading) | { file: string; error: string };

/** Reads each file in turn; never throws for a bad file, it becomes { file, error }. */
export async function* predictFiles(files: string[], classifier: DigitClassifier): AsyncGenerator<FileResult> {
  for (const file of files) {
    try {
      const { size } = await stat(file);
      if (size > MAX_FILE_BYTES) throw new Error(`the file is ${Math.round(size / 1024 / 1024)} MB, more than images are (limit 100 MB)`);
      const bytes = await readFile(file);
      const reading = await readImageBytes(bytes, classifier);
      yield { file, ...roundReading(reading) };
    } catch (error) {
      yield { file, error: describeFileError(error) };
    }
  }
}

function describeFileError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a folder, not an image file';
  if (code === 'EACCES') return 'permission denied';
  return describeError(error);
}

/** One line of text for a person: `photo.png: 2026 (confidence 0.97)`. */
export function formatResult(result: FileResult): string {
  if ('error' in result) return `${result.file}: error: ${result.error}`;
  if (result.digits === '') return `${result.file}: no digits found`;
  return `${result.file}: ${result.digits} (confidence ${result.confidence.toFixed(2)})`;
}

export function registerPredictCommand(program: Command): void {
  program
    .command('predict')
    .description('Read the handwritten digits in image files (PNG, JPEG, WebP, GIF, BMP)')
    .argument('<files...>', 'image files')
    .option('--model <dir>', 'model folder', defaultModelDir())
    .option('--json', 'one JSON object per line per file: {"file", "digits", "confidence", "items"} or {"file", "error"}')
    .action(async (files: string[], options: { model: string; json?: boolean }) => {
      const { classifier } = await loadModelOrExplain(options.model);
      let failed = 0;
      for await (const result of predictFiles(files, classifier)) {
        if ('error' in result) failed++;
        if (options.json) process.stdout.write(`${JSON.stringify(result)}\n`);
        else if ('error' in result) process.stderr.write(`digits: ${formatResult(result)}\n`);
        else process.stdout.write(`${formatResult(result)}\n`);
      }
      if (failed > 0) process.exitCode = 1;
    });
}

/**
 * The classifier in `dir`, running on the engine (TensorFlow.js's cpu backend if the engine cannot start),
 * or an error that says what to do about it.
 */
export async function loadModelOrExplain(
  dir: string,
  engineThreads?: number,
): Promise<{ classifier: DigitClassifier; metadata: ModelMetadata }> {
  try {
    await useEngine(engineThreads ? { threads: engineThreads } : {});
  } catch (error) {
    console.error(`digits: the WebAssembly engine did not start (${describeError(error)}); using TensorFlow.js's cpu backend`);
  }
  try {
    const classifier = await loadClassifier(dir);
    return { classifier, metadata: classifier.metadata };
  } catch (error) {
    throw new Error(`cannot load the model from ${dir}: ${describeError(error)} (train one with 'digits train', or pass --model DIR)`);
  }
}
