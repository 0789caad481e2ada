// MNIST as arrays: find the folder, fetch and verify the standard files if needed, load a split.
import { stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { chooseDataDir, checkDataDir, DATA_DIR_ENV } from './data-dir.ts';
import type { DataDirChoice } from './data-dir.ts';
import { DownloadError, downloadMnistFile } from './download.ts';
import type { DownloadOptions } from './download.ts';
import { IdxError, MnistDataError } from './errors.ts';
import type { IdxData } from './idx.ts';
import { readIdxBytes } from './idx.ts';
import { MNIST_COLS, MNIST_FILES, MNIST_ROWS, mnistFilesFor } from './mnist-files.ts';
import type { MnistFileSpec, MnistSplit } from './mnist-files.ts';
import { stderrDownloadProgress } from './progress.ts';
import { decodeMnistFile } from './verify.ts';

/** One split of MNIST. `images` is (count, rows, cols) uint8, 0 = background, 255 = ink; `labels` is (count) 0-9. */
export interface MnistSet {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

export interface MnistOptions extends DownloadOptions {
  /** The folder from --data-dir; otherwise $DIGITS_DATA_DIR, otherwise the user cache folder. */
  dataDir?: string;
  /** Fetch missing or corrupt files from the mirrors (default true). */
  download?: boolean;
  /** Where DIGITS_DATA_DIR and the cache folder come from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** The files to expect (default MNIST_FILES); tests pass tiny stand-ins with their own sums. */
  files?: readonly MnistFileSpec[];
}

export type MnistFileState =
  | 'ok' // present and verified
  | 'downloaded' // was missing, now fetched and verified
  | 'replaced' // was corrupt: deleted, fetched again and verified
  | 'missing' // absent, not fetched
  | 'bad'; // present but corrupt, not replaced

export interface MnistFileStatus {
  name: string; // the standard name without .gz
  split: MnistSplit;
  kind: 'images' | 'labels';
  state: MnistFileState;
  ok: boolean;
  path?: string; // the verified file (gzip or raw) when ok
  count?: number; // samples in it when ok
  sha256?: string; // of the decompressed content, when ok
  error?: string; // what is wrong, when not ok
}

export interface MnistReport {
  dir: string;
  source: DataDirChoice['source'];
  files: MnistFileStatus[];
  ok: boolean;
}

interface FileOutcome {
  status: MnistFileStatus;
  idx?: IdxData;
  problem?: Error;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    (error: NodeJS.ErrnoException) => error.code !== 'ENOENT',
  );
}

/** Shared across the files of one call: once no mirror answers, we are offline and stop trying. */
interface DownloadSession {
  options: DownloadOptions;
  offline: boolean;
}

/** Finds, verifies and (when allowed) fetches one standard file; never throws for a per-file problem. */
async function ensureFile(spec: MnistFileSpec, dir: string, download: boolean, session: DownloadSession): Promise<FileOutcome> {
  const base = { name: spec.name, split: spec.split, kind: spec.kind };
  const badPaths: string[] = [];
  let problem: Error | undefined;
  for (const path of [join(dir, spec.name), join(dir, `${spec.name}.gz`)]) {
    if (!(await exists(path))) continue;
    try {
      const { idx, sha256 } = await decodeMnistFile(await readIdxBytes(path), spec, path);
      return { status: { ...base, state: 'ok', ok: true, path, count: idx.count, sha256 }, idx };
    } catch (error) {
      if (!(error instanceof IdxError)) throw error;
      badPaths.push(path);
      problem ??= error;
    }
  }
  if (!download) {
    if (problem) return { status: { ...base, state: 'bad', ok: false, error: problem.message }, problem };
    const missing = new MnistDataError('files-missing', `${spec.name}(.gz) is missing from ${dir}`);
    return { status: { ...base, state: 'missing', ok: false, error: missing.message }, problem: missing };
  }
  if (session.offline) {
    const skipped = new MnistDataError('download-failed', `${problem ? `${problem.message}; ` : ''}${spec.name}(.gz) not downloaded: no mirror could be reached`);
    return { status: { ...base, state: problem ? 'bad' : 'missing', ok: false, error: skipped.message }, problem: skipped };
  }
  // A corrupt file is never left where a good one is expected: remove it, then fetch a fresh copy.
  for (const path of badPaths) {
    try {
      await unlink(path);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'EACCES' ? 'permission denied' : (error as Error).message;
      const cannot = new MnistDataError('files-bad', `${problem?.message}; cannot delete it to download a fresh copy (${reason})`);
      return { status: { ...base, state: 'bad', ok: false, error: cannot.message }, problem: cannot };
    }
  }
  try {
    const fetched = await downloadMnistFile(spec, dir, session.options);
    const state = badPaths.length > 0 ? 'replaced' : 'downloaded';
    return { status: { ...base, state, ok: true, path: fetched.path, count: fetched.idx.count, sha256: fetched.sha256 }, idx: fetched.idx };
  } catch (error) {
    if (!(error instanceof MnistDataError)) throw error;
    if (error instanceof DownloadError && error.unreachable) session.offline = true;
    const state = badPaths.length > 0 ? 'bad' : 'missing';
    const message = problem ? `${problem.message}; deleted it, then ${error.message}` : error.message;
    return { status: { ...base, state, ok: false, error: message }, problem: new MnistDataError(error.code, message) };
  }
}

async function prepareDir(options: MnistOptions): Promise<{ choice: DataDirChoice; download: boolean; session: DownloadSession }> {
  const choice = chooseDataDir(options.dataDir, options.env);
  const download = options.download ?? true;
  await checkDataDir(choice.dir, { create: download && choice.source === 'cache' });
  const downloadOptions: DownloadOptions = { ...options, onProgress: options.onProgress ?? stderrDownloadProgress() };
  return { choice, download, session: { options: downloadOptions, offline: false } };
}

/** How to fix missing files, for people reading an error; `downloadFailed` when the mirrors were tried. */
function whereToPutFiles(dir: string, downloadFailed: boolean): string {
  const put =
    `put the four standard MNIST files (${MNIST_FILES.map((f) => `${f.name}.gz`).join(', ')}; gzip or raw) in ${dir}, ` +
    `or point --data-dir DIR or ${DATA_DIR_ENV} at a folder that holds them`;
  return downloadFailed ? `Offline? ${put[0].toUpperCase()}${put.slice(1)}.` : `To fix: ${put}, or allow downloading (no --no-download) to fetch them from public mirrors.`;
}

/** One error for everything wrong with a set of files: the single bad file's own error, or a summary naming each. */
function combinedProblem(dir: string, outcomes: FileOutcome[]): Error | undefined {
  const failed = outcomes.filter((o) => !o.status.ok);
  if (failed.length === 0) return undefined;
  if (failed.length === 1 && failed[0].problem instanceof IdxError) return failed[0].problem;
  const codeOf = (o: FileOutcome) => (o.problem instanceof MnistDataError ? o.problem.code : undefined);
  if (failed.every((o) => codeOf(o) === 'files-missing')) {
    const names = failed.map((o) => `${o.status.name}(.gz)`).join(', ');
    return new MnistDataError('files-missing', `MNIST files missing from ${dir}: ${names}.\n${whereToPutFiles(dir, false)}`);
  }
  const downloadFailed = failed.some((o) => codeOf(o) === 'download-failed');
  const hint = downloadFailed || failed.some((o) => codeOf(o) === 'files-missing') ? `\n${whereToPutFiles(dir, downloadFailed)}` : '';
  const errors = failed.map((o) => `\n  ${o.status.error}`).join('');
  return new MnistDataError(downloadFailed ? 'download-failed' : 'files-bad', `MNIST data in ${dir} is not usable:${errors}${hint}`);
}

/**
 * Makes sure the standard MNIST files for `splits` are in the data folder and intact: verifies each one,
 * downloads missing or corrupt ones (unless `download` is false), and reports every file's state.
 * Throws only for a problem with the folder itself; per-file problems are in the report (`ok` false).
 */
export async function ensureMnist(options: MnistOptions & { splits?: MnistSplit[] } = {}): Promise<MnistReport & { problem?: Error }> {
  const { choice, download, session } = await prepareDir(options);
  const splits = options.splits ?? ['train', 'test'];
  const outcomes: FileOutcome[] = [];
  for (const spec of (options.files ?? MNIST_FILES).filter((f) => splits.includes(f.split))) {
    const outcome = await ensureFile(spec, choice.dir, download, session);
    outcomes.push({ status: outcome.status, problem: outcome.problem }); // drop the pixels: only the report is wanted
  }
  const problem = combinedProblem(choice.dir, outcomes);
  return { dir: choice.dir, source: choice.source, files: outcomes.map((o) => o.status), ok: problem === undefined, problem };
}

/** Loads one split, verified against the standard sums; fetches the files first if needed and allowed. */
export async function loadMnist(split: MnistSplit, options: MnistOptions = {}): Promise<MnistSet> {
  if (split !== 'train' && split !== 'test') throw new RangeError(`MNIST split must be 'train' or 'test', got '${String(split)}'`);
  const { choice, download, session } = await prepareDir(options);
  const specs = mnistFilesFor(split, options.files);
  const images = await ensureFile(specs.images, choice.dir, download, session);
  const labels = await ensureFile(specs.labels, choice.dir, download, session);
  const problem = combinedProblem(choice.dir, [images, labels]);
  if (problem) throw problem;
  return pairImagesWithLabels(images.idx!, labels.idx!, images.status.path!, labels.status.path!);
}

/** Joins an images file and a labels file into one set, checking they describe the same samples. */
export function pairImagesWithLabels(images: IdxData, labels: IdxData, imagesFile: string, labelsFile: string): MnistSet {
  if (images.kind !== 'images') throw new IdxError('wrong-magic', imagesFile, 'expected an IDX images file, found labels');
  if (labels.kind !== 'labels') throw new IdxError('wrong-magic', labelsFile, 'expected an IDX labels file, found images');
  if (images.count !== labels.count) {
    throw new IdxError('length-mismatch', labelsFile, `has ${labels.count} labels but ${imagesFile} has ${images.count} images`);
  }
  if (images.rows !== MNIST_ROWS || images.cols !== MNIST_COLS) {
    throw new IdxError('wrong-dimensions', imagesFile, `images are ${images.rows}x${images.cols}, expected ${MNIST_ROWS}x${MNIST_COLS}`);
  }
  // Copies, so callers get plain arrays at offset 0 that do not pin the whole decompressed file.
  return { images: new Uint8Array(images.data), labels: new Uint8Array(labels.data), count: images.count, rows: images.rows, cols: images.cols };
}
