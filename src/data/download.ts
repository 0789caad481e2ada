// Fetches one standard MNIST file from the first mirror that serves it intact. The body streams into a hidden
// temp file beside the target, is verified (SHA-256 of the decompressed content), and only then renamed into
// place, so an interrupted or corrupt download never lands where a good file is expected.
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { tempPathBeside } from './atomic-write.ts';
import { IdxError, MnistDataError } from './errors.ts';
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
  path: string;
  url: string;
  idx: IdxData;
  sha256: string;
}

/** Downloads `spec` into `dir` as `${name}.gz`, trying each mirror in turn; throws MnistDataError if all fail. */
export async function downloadMnistFile(spec: MnistFileSpec, dir: string, options: DownloadOptions = {}): Promise<DownloadResult> {
  const mirrors = options.mirrors ?? MNIST_MIRRORS;
  const fileName = `${spec.name}.gz`;
  const target = join(dir, fileName);
  const failures: string[] = [];
  let answered = false; // did any mirror send an HTTP response?
  for (const mirror of mirrors) {
    const url = new URL(fileName, mirror.endsWith('/') ? mirror : `${mirror}/`).href;
    try {
      const result = await downloadFrom(url, spec, target, options, () => (answered = true));
      options.onProgress?.({ file: fileName, url, phase: 'done', receivedBytes: result.receivedBytes, totalBytes: result.receivedBytes });
      return { path: target, url, idx: result.idx, sha256: result.sha256 };
    } catch (error) {
      const reason = describeFetchError(error);
      failures.push(`${url}: ${reason}`);
      options.onProgress?.({ file: fileName, url, phase: 'failed', receivedBytes: 0, error: reason });
    }
  }
  const tried = failures.length === 0 ? 'no mirrors were given' : failures.join('; ');
  throw new DownloadError(`could not download ${fileName} into ${dir} (${tried})`, !answered);
}

async function downloadFrom(
  url: string,
  spec: MnistFileSpec,
  target: string,
  options: DownloadOptions,
  onAnswer: () => void,
): Promise<{ idx: IdxData; sha256: string; receivedBytes: number }> {
  const fetchFn: FetchLike = options.fetch ?? ((u, init) => fetch(u, init));
  const idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
  const fileName = `${spec.name}.gz`;
  const controller = new AbortController();
  let idleTimer: NodeJS.Timeout | undefined;
  const armIdleTimer = () => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => controller.abort(new Error(`no data for ${Math.round(idleTimeoutMs / 1000)} s`)), idleTimeoutMs);
  };
  const temp = tempPathBeside(target, '.part');
  try {
    armIdleTimer();
    const response = await fetchFn(url, { signal: controller.signal });
    onAnswer();
    if (!response.ok) throw new Error(`HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
    if (!response.body) throw new Error('empty response');
    const lengthHeader = response.headers.get('content-length');
    const totalBytes = lengthHeader !== null && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
    options.onProgress?.({ file: fileName, url, phase: 'start', receivedBytes: 0, totalBytes });

    let receivedBytes = 0;
    const handle = await open(temp, 'wx');
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        armIdleTimer();
        await handle.write(chunk);
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
    const { idx, sha256 } = await decodeMnistFile(await readFile(temp), spec, url);
    await rename(temp, target);
    return { idx, sha256, receivedBytes };
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
