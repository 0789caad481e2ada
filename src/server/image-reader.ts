// Image bytes -> Reading, on this thread or on a pool of worker threads.
// Decoding, finding ink and preprocessing are plain JavaScript loops over every pixel: about half of a request's
// CPU, the model most of the rest. The pool does the first on other cores while the model stays here, so the two
// overlap, and concurrent requests' digits still meet in one batch (workers send their 28x28 images back).
// On 2 cores, 1 worker and the model on this thread served 934-1,131 single-digit PNGs/s; reading small PNGs here
// instead (no worker round trip) served 592/s: the event loop, busy with the model, became the bottleneck
// (npm run bench -- server).
import { Worker } from 'node:worker_threads';
import { decodeSmallPng, ImageDecodeError, MAX_INPUT_PIXELS } from '../image/index.ts';
import type { ImageDecodeErrorCode } from '../image/index.ts';
import type { DigitClassifier, Reading } from '../recognize/types.ts';
import { classifyWithEvidence } from '../recognize/classify.ts';
import { readImageBytes } from './read-image.ts';
import type { ReadImageOptions } from './read-image.ts';
import type { FromWorker, ToWorker, WorkerError } from './image-worker.ts';

export interface ImageReader {
  /** Throws ImageDecodeError for bytes that are not a readable image within the pixel limit. */
  read(bytes: Uint8Array): Promise<Reading>;
  close(): Promise<void>;
}

export function inThreadReader(classifier: DigitClassifier, limits: ReadImageOptions): ImageReader {
  return {
    read: (bytes) => readImageBytes(bytes, classifier, limits),
    close: async () => {},
  };
}

/**
 * PNGs up to this many pixels are decoded here and sent to the worker decoded (~0.05 ms for a 64x64 digit, ~1 ms at
 * most): the worker, finding the digits, was the busier of the two threads. Since finding ink and the model both got
 * cheaper the two are about even: decoding on the worker instead measured the same (914-946 req/s against 907-953 here,
 * three runs each, alternating).
 */
const DECODE_HERE_PIXELS = 65_536;

// Workers start without tsx's loader (it is registered in-process, not by flags): register it, then load the source.
const workerBootstrap = `
  import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
    .then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('./image-worker.ts', import.meta.url).href)}); });
`;

interface PooledWorker {
  worker: Worker;
  pending: Map<number, { resolve: (reading: Reading) => void; reject: (error: unknown) => void }>;
  ready: boolean; // its modules are loaded (compiling them takes seconds on a loaded machine)
  onReady: (() => void)[]; // watchdogs to start then
}

/** `size` worker threads, each decoding and segmenting; their classify calls come back to `classifier` here. */
export class WorkerPoolReader implements ImageReader {
  private readonly workers: PooledWorker[] = [];
  private nextId = 1;
  private closed = false;
  private readonly classifier: DigitClassifier;
  private readonly limits: ReadImageOptions;

  private readonly stuckAfterMs: number;

  /** A worker still busy with one image after `stuckAfterMs` is replaced (the request has been answered 503 by then). */
  constructor(classifier: DigitClassifier, limits: ReadImageOptions, size: number, stuckAfterMs = 15_000) {
    this.classifier = classifier;
    this.limits = limits;
    this.stuckAfterMs = stuckAfterMs;
    for (let i = 0; i < size; i++) this.workers.push(this.spawn());
  }

  read(bytes: Uint8Array): Promise<Reading> {
    if (this.closed) return Promise.reject(new Error('the image reader is closed'));
    // the least busy worker takes it
    const pooled = this.workers.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = this.nextId++;
    // null: not a small plain PNG (or a broken one): the worker decodes it with sharp, which words the error
    const decoded = decodeSmallPng(bytes, Math.min(this.limits.maxPixels ?? MAX_INPUT_PIXELS, DECODE_HERE_PIXELS));
    const copy = decoded ? null : new Uint8Array(bytes); // own buffer: request bodies may be views on a shared pool
    return new Promise<Reading>((resolve, reject) => {
      let watchdog: NodeJS.Timeout | undefined;
      // the clock starts once the worker is ready: a worker still starting up is slow, not stuck
      const startWatchdog = () => {
        watchdog = setTimeout(() => {
          if (pooled.pending.has(id)) void pooled.worker.terminate(); // its 'exit' fails what it held and replaces it
        }, this.stuckAfterMs);
        watchdog.unref();
      };
      if (pooled.ready) startWatchdog();
      else pooled.onReady.push(startWatchdog);
      const settle = <T>(finish: (value: T) => void) => (value: T) => {
        clearTimeout(watchdog);
        finish(value);
      };
      pooled.pending.set(id, { resolve: settle(resolve), reject: settle(reject) });
      if (decoded) pooled.worker.postMessage({ type: 'read-decoded', id, image: decoded } satisfies ToWorker, [decoded.data.buffer as ArrayBuffer]);
      else pooled.worker.postMessage({ type: 'read', id, bytes: copy! } satisfies ToWorker, [copy!.buffer]);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }

  private spawn(): PooledWorker {
    const worker = new Worker(workerBootstrap, { eval: true, workerData: { ...this.limits, verifier: !!this.classifier.verify } });
    const pooled: PooledWorker = { worker, pending: new Map(), ready: false, onReady: [] };
    worker.unref(); // idle workers do not keep the process alive
    worker.on('message', (message: FromWorker) => this.onMessage(pooled, message));
    worker.on('error', (error) => this.failAll(pooled, error));
    worker.on('exit', () => {
      this.failAll(pooled, new Error('an image worker stopped'));
      if (!this.closed) this.workers[this.workers.indexOf(pooled)] = this.spawn(); // replace it
    });
    return pooled;
  }

  private onMessage(pooled: PooledWorker, message: FromWorker): void {
    if (message.type === 'ready') {
      pooled.ready = true;
      for (const start of pooled.onReady.splice(0)) start();
      return;
    }
    if (message.type === 'classify') {
      const asked = message.verify
        ? this.classifier.verify!(message.images, message.count).then((probabilities) => ({ probabilities, evidence: null }))
        : classifyWithEvidence(this.classifier, message.images, message.count);
      asked.then(
        ({ probabilities, evidence }) => pooled.worker.postMessage({ type: 'probabilities', callId: message.callId, probabilities, evidence } satisfies ToWorker),
        (error) => pooled.worker.postMessage({ type: 'classify-failed', callId: message.callId, message: String(error) } satisfies ToWorker),
      );
      return;
    }
    const request = pooled.pending.get(message.id);
    if (!request) return;
    pooled.pending.delete(message.id);
    if (message.type === 'reading') request.resolve(message.reading);
    else request.reject(reviveError(message.error));
  }

  private failAll(pooled: PooledWorker, error: unknown): void {
    pooled.onReady.length = 0;
    for (const request of pooled.pending.values()) request.reject(error);
    pooled.pending.clear();
  }
}

function reviveError(error: WorkerError): Error {
  if (error.code) return new ImageDecodeError(error.code as ImageDecodeErrorCode, error.message);
  return new Error(error.message);
}
