// Fetches one standard MNIST file from the first mirror that serves it intact. The body streams into a hidden
// temp file beside the target, is verified (SHA-256 of the decompressed content), and only then renamed into
// place, so an interrupted or corrupt download never lands where a good file is expected.
import { open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { tempPathBeside } from './atomic-write.ts';
import { IdxError, MnistDataError } from './errors.ts';
import { isGzip } from './idx.ts';
import type { IdxData } from './idx.ts';
import { MNIST_MIRRORS } from './mnist-files.ts';
import type { MnistFileSpec } from './mnist-files.ts';
import { decodeMnistFile } from './verify.ts';

/** The part of the global `fetch` we use; tests pass their own. */
export type FetchLike = (url: string, init: { signal: AbortSignal }) => Promise<Response>;

export interface DownloadProgress {
  file: string; // the file name being fetched, e.g. train-images-idx3-ubyte.gz
  url: string;
  phase: 'start' | 'data' | 'done' | 'failed';
  receivedBytes: number;
  totalBytes?: number; // from Content-Length, when the server sends it
  error?: string; // why this mirror failed (phase 'failed')
}

export interface DownloadOptions {
  /** Base URLs tried in order; each serves `${mirror}${name}.gz`. Default: MNIST_MIRRORS. */
  mirrors?: readonly string[];
  fetch?: FetchLike;
  onProgress?: (progress: DownloadProgress) => void;
  /** Give up on a mirror after this long without receiving a byte (ms). */
  idleTimeoutMs?: number;
}

/** Every mirror failed for a file; `unreachable` when none even answered (offline), so trying more files is pointless. */
export class DownloadError extends MnistDataError {
  override name = 'DownloadError';
  readonly unreachable: boolean;

  constructor(message: string, unreachable: boolean) {
    super('download-failed', message);
    this.unreachable = unreachable;
  }
}

export interface DownloadResult {
  path: string; // where the verified file now is: `${name}.gz`, or `${name}` if the mirror sent it decompressed
  url: string;
  idx: IdxData;
  sha256: string;
}

/** Downloads `spec` into `dir` as `${name}.gz`, trying each mirror in turn; throws DownloadError if all fail. */
export async function downloadMnistFile(spec: MnistFileSpec, dir: string, options: DownloadOptions = {}): Promise<DownloadResult> {
  const mirrors = options.mirrors ?? MNIST_MIRRORS;
  const fileName = `${spec.name}.gz`;
  await removeStaleDownloads(dir, fileName);
  const failures: string[] = [];
  let answered = false; // did any mirror send an HTTP response?
  for (const mirror of mirrors) {
    const url = new URL(fileName, mirror.endsWith('/') ? mirror : `${mirror}/`).href;
    try {
      const result = await downloadFrom(url, spec, dir, options, () => (answered = true));
      options.onProgress?.({ file: fileName, url, phase: 'done', receivedBytes: result.receivedBytes, totalBytes: result.receivedBytes });
      return { path: result.path, url, idx: result.idx, sha256: result.sha256 };
    } catch (error) {
      if (error instanceof MnistDataError) throw error; // our folder, not the mirror: no other mirror will help
      const reason = describeFetchError(error);
      failures.push(`${url}: ${reason}`);
      options.onProgress?.({ file: fileName, url, phase: 'failed', receivedBytes: 0, error: reason });
    }
  }
  const tried = failures.length === 0 ? 'no mirrors were given' : failures.join('; ');
  throw new DownloadError(`could not download ${fileName} into ${dir} (${tried})`, !answered);
}

/**
 * Deletes temp files that earlier downloads of `fileName` left behind when their process was killed
 * (`.NAME.PID.RANDOM.part`, see tempPathBeside); a live process's temp file is left alone.
 */
async function removeStaleDownloads(dir: string, fileName: string): Promise<void> {
  const prefix = `.${fileName}.`;
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const match = name.startsWith(prefix) ? /^(\d+)\.[0-9a-f]{8}\.part$/.exec(name.slice(prefix.length)) : null;
    if (match && !isProcessAlive(Number(match[1]))) await unlink(join(dir, name)).catch(() => {});
  }
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0: only checks that the process exists
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // exists, but belongs to someone else
  }
}

/** Runs a file-system step of the download, reporting its failure as a problem with the folder. */
async function inFolder<T>(dir: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'permission denied' : (error as Error).message;
    throw new MnistDataError('dir-not-writable', `cannot save downloads in ${dir} (${reason})`);
  }
}

async function downloadFrom(
  url: string,
  spec: MnistFileSpec,
  dir: string,
  options: DownloadOptions,
  onAnswer: () => void,
): Promise<{ path: string; idx: IdxData; sha256: string; receivedBytes: number }> {
  const fetchFn: FetchLike = options.fetch ?? ((u, init) => fetch(u, init));
  const idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
  const fileName = `${spec.name}.gz`;
  const controller = new AbortController();
  let idleTimer: NodeJS.Timeout | undefined;
  const armIdleTimer = () => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => controller.abort(new Error(`no data for ${Math.round(idleTimeoutMs / 1000)} s`)), idleTimeoutMs);
  };
  const temp = tempPathBeside(join(dir, fileName), '.part');
  try {
    armIdleTimer();
    const response = await fetchFn(url, { signal: controller.signal });
    onAnswer();
    if (!response.ok) throw new Error(`HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
    if (!response.body) throw new Error('empty response');
    // With a Content-Encoding, fetch hands us decoded bytes and Content-Length counts encoded ones.
    const encoded = (response.headers.get('content-encoding') ?? 'identity') !== 'identity';
    const lengthHeader = response.headers.get('content-length');
    const totalBytes = !encoded && lengthHeader !== null && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
    options.onProgress?.({ file: fileName, url, phase: 'start', receivedBytes: 0, totalBytes });

    let receivedBytes = 0;
    const handle = await inFolder(dir, () => open(temp, 'wx'));
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        armIdleTimer();
        await inFolder(dir, () => handle.write(chunk));
        receivedBytes += chunk.length;
        options.onProgress?.({ file: fileName, url, phase: 'data', receivedBytes, totalBytes });
      }
    } finally {
      await handle.close();
    }
    clearTimeout(idleTimer);
    if (totalBytes !== undefined && receivedBytes !== totalBytes) {
      throw new Error(`download cut short: got ${receivedBytes} of ${totalBytes} bytes`);
    }
    // Verify before the file takes its real name: a bad download is thrown away here.
    const bytes = await readFile(temp);
    const { idx, sha256 } = await decodeMnistFile(bytes, spec, url);
    const path = join(dir, isGzip(bytes) ? fileName : spec.name); // a mirror may have sent it decompressed
    await inFolder(dir, () => rename(temp, path));
    return { path, idx, sha256, receivedBytes };
  } finally {
    clearTimeout(idleTimer);
    await unlink(temp).catch(() => {});
  }
}

/** A short reason for a failed fetch: undici hides the useful part (ECONNREFUSED, ENOTFOUND...) in `cause`. */
function describeFetchError(error: unknown): string {
  if (error instanceof IdxError) return `bad content: ${error.problem}`;
  if (!(error instanceof Error)) return String(error);
  const cause = (error as Error & { cause?: unknown }).cause;
  if (error.name === 'AbortError' && cause instanceof Error) return cause.message;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return `${error.message} (${code ?? cause.message})`;
  }
  return error.message;
}
