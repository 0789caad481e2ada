// Who reads the digits. Drawings are read on the main thread: a pad's ink is small (~4 ms), and a reply from
// a worker waits for the frame after the stroke (Chromium runs rendering first after input), which measured
// +8-10 ms median per stroke. Photos go to a module worker (started on the first upload) that loads its own
// copy of the model: finding ink in a 2-megapixel picture would otherwise stall drawing and scrolling.
import { readDigits } from './read.ts';
import type { ReadRequest, ReadResult } from './read.ts';
import type { LoadedClassifier } from './classifier.ts';

export type { ReadRequest, ReadResult } from './read.ts';

export interface Reader {
  backend: string; // what runs the model: 'digits-engine' or 'cpu'
  where: 'worker' | 'main thread';
  read(request: ReadRequest): Promise<ReadResult>;
}

// Messages between the page and the worker.
export type ToWorker = { type: 'start'; modelUrl: string } | { type: 'read'; id: number; request: ReadRequest };
export type FromWorker =
  | { type: 'ready'; backend: string }
  | { type: 'failed'; message: string } // the model did not load
  | { type: 'result'; id: number; result: ReadResult }
  | { type: 'error'; id: number; message: string };

/** Reads with the classifier the page already loaded, on the main thread. */
export function mainThreadReader(loaded: LoadedClassifier): Reader {
  return { backend: loaded.backend, where: 'main thread', read: (request) => readDigits(loaded.classifier, request) };
}

/**
 * A worker with the model at `modelUrl` (absolute: relative URLs would resolve against the worker's script).
 * Where the worker cannot start or load the model, this is `fallback`; reads after the worker died go there too.
 */
export function startWorkerReader(modelUrl: string, fallback: Reader): Promise<Reader> {
  let worker: Worker;
  try {
    worker = new Worker(new URL('./reader.worker.ts', import.meta.url), { type: 'module', name: 'digits-reader' });
  } catch (error) {
    console.warn('digits: no worker, reading photos on the main thread', error);
    return Promise.resolve(fallback);
  }
  return new Promise<Reader>((resolve) => {
    const pending = new Map<number, { resolve: (result: ReadResult) => void; reject: (error: Error) => void }>();
    let nextId = 1;
    let started = false;
    let stopped = false; // the worker died after starting: later reads use the fallback instead of hanging
    const reader: Reader = {
      backend: '',
      where: 'worker',
      read(request) {
        if (stopped) return fallback.read(request);
        const id = nextId++;
        return new Promise<ReadResult>((res, rej) => {
          pending.set(id, { resolve: res, reject: rej });
          // Pixels move to the worker rather than being copied (the caller made them for this read); a file is
          // passed by reference.
          const buffer = request.kind === 'ink' ? request.ink.data.buffer : request.kind === 'image' ? request.image.data.buffer : null;
          worker.postMessage({ type: 'read', id, request } satisfies ToWorker, buffer ? [buffer as ArrayBuffer] : []);
        });
      },
    };
    worker.onmessage = (event: MessageEvent<FromWorker>) => {
      const message = event.data;
      if (message.type === 'ready') {
        started = true;
        reader.backend = message.backend;
        resolve(reader);
      } else if (message.type === 'failed') {
        worker.terminate();
        console.warn(`digits: the reading worker could not load the model (${message.message}); reading photos on the main thread`);
        resolve(fallback);
      } else {
        const waiting = pending.get(message.id);
        pending.delete(message.id);
        if (message.type === 'result') waiting?.resolve(message.result);
        else waiting?.reject(new Error(message.message));
      }
    };
    worker.onerror = (event) => {
      event.preventDefault();
      worker.terminate();
      stopped = true;
      const error = new Error(`the reading worker stopped (${event.message || 'unknown error'}); try again`);
      for (const waiting of pending.values()) waiting.reject(error);
      pending.clear();
      // A worker that fails before it is ready (module workers unsupported, say): read on the main thread.
      if (!started) {
        console.warn('digits: the reading worker did not start; reading photos on the main thread', event.message);
        resolve(fallback);
      }
    };
    worker.postMessage({ type: 'start', modelUrl } satisfies ToWorker);
  });
}
