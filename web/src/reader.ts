// Reading digits off the page's main thread: a module worker loads the model and runs the one recognition
// path (src/recognize), so drawing stays smooth even while a big photo is read. Where a worker cannot start,
// the same code runs on the main thread instead (loaded only then).
import type { ReadRequest, ReadResult } from './read.ts';

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

/** A reader with the model loaded from `modelUrl` (absolute). Rejects, saying why, when the model cannot load. */
export function startReader(modelUrl: string): Promise<Reader> {
  let worker: Worker;
  try {
    worker = new Worker(new URL('./reader.worker.ts', import.meta.url), { type: 'module', name: 'digits-reader' });
  } catch (error) {
    console.warn('digits: no worker, reading on the main thread', error);
    return mainThreadReader(modelUrl);
  }
  return new Promise<Reader>((resolve, reject) => {
    const pending = new Map<number, { resolve: (result: ReadResult) => void; reject: (error: Error) => void }>();
    let nextId = 1;
    let started = false;
    let stopped: Error | null = null; // set when the worker died after starting: later reads fail at once, not hang
    const reader: Reader = {
      backend: '',
      where: 'worker',
      read(request) {
        const id = nextId++;
        return new Promise<ReadResult>((res, rej) => {
          if (stopped) return rej(stopped);
          pending.set(id, { resolve: res, reject: rej });
          // The pixels move to the worker rather than being copied; the caller made them for this read.
          const buffer = request.kind === 'ink' ? request.ink.data.buffer : request.image.data.buffer;
          worker.postMessage({ type: 'read', id, request } satisfies ToWorker, [buffer as ArrayBuffer]);
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
        reject(new Error(message.message));
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
      const error = new Error(`the reading worker stopped (${event.message || 'unknown error'}); reload the page`);
      stopped = error;
      for (const waiting of pending.values()) waiting.reject(error);
      pending.clear();
      // A worker that fails before it is ready (module workers unsupported, say): read on the main thread.
      if (!started) {
        console.warn('digits: the reading worker did not start; reading on the main thread', event.message);
        mainThreadReader(modelUrl).then(resolve, reject);
      }
    };
    worker.postMessage({ type: 'start', modelUrl } satisfies ToWorker);
  });
}

async function mainThreadReader(modelUrl: string): Promise<Reader> {
  const [{ loadClassifier }, { readDigits }] = await Promise.all([import('./classifier.ts'), import('./read.ts')]);
  const loaded = await loadClassifier(modelUrl);
  return { backend: loaded.backend, where: 'main thread', read: (request) => readDigits(loaded.classifier, request) };
}
