// A worker thread of the image reader pool: decodes and segments images; classification is asked of the
// main thread, where the one model batches digits from every worker.
import { parentPort, workerData } from 'node:worker_threads';
import { ImageDecodeError } from '../image/index.ts';
import type { Classified, DigitClassifier, Reading } from '../recognize/types.ts';
import type { RgbaImage } from '../vision/types.ts';
import { readDecodedImage, readImageBytes } from './read-image.ts';
import type { ReadImageOptions } from './read-image.ts';

export type ToWorker =
  | { type: 'read'; id: number; bytes: Uint8Array }
  | { type: 'read-decoded'; id: number; image: RgbaImage } // a small PNG the main thread decoded
  | { type: 'probabilities'; callId: number; probabilities: Float32Array; evidence: Float32Array | null }
  | { type: 'classify-failed'; callId: number; message: string };

export interface WorkerError {
  code?: string; // an ImageDecodeError's code
  message: string;
}

export type FromWorker =
  | { type: 'ready' } // modules loaded: from now on, a read that takes long is stuck, not starting up
  | { type: 'classify'; callId: number; images: Float32Array; count: number; verify?: boolean } // verify: the verifier's word instead
  | { type: 'reading'; id: number; reading: Reading }
  | { type: 'failed'; id: number; error: WorkerError };

if (parentPort) {
  const port = parentPort;
  const { verifier, ...limits } = workerData as ReadImageOptions & { verifier?: boolean }; // verifier: the main thread's classifier has one
  const calls = new Map<number, { resolve: (classified: Classified) => void; reject: (e: Error) => void }>();
  let nextCallId = 1;

  const askMainThread = (images: Float32Array, count: number, verify = false): Promise<Classified> => {
    const callId = nextCallId++;
    const own = images.slice(0, count * 28 * 28); // (count, 28, 28), in a buffer we can hand over
    return new Promise((resolve, reject) => {
      calls.set(callId, { resolve, reject });
      port.postMessage({ type: 'classify', callId, images: own, count, verify } satisfies FromWorker, [own.buffer]);
    });
  };
  const mainThreadClassifier: DigitClassifier = {
    classify: async (images, count) => (await askMainThread(images, count)).probabilities,
    classifyWithEvidence: (images, count) => askMainThread(images, count),
    verify: verifier ? async (images, count) => (await askMainThread(images, count, true)).probabilities : undefined,
  };

  port.on('message', async (message: ToWorker) => {
    if (message.type === 'read' || message.type === 'read-decoded') {
      try {
        const reading =
          message.type === 'read'
            ? await readImageBytes(message.bytes, mainThreadClassifier, limits)
            : await readDecodedImage(message.image, mainThreadClassifier, limits);
        port.postMessage({ type: 'reading', id: message.id, reading } satisfies FromWorker);
      } catch (error) {
        const workerError: WorkerError =
          error instanceof ImageDecodeError ? { code: error.code, message: error.message } : { message: String(error) };
        port.postMessage({ type: 'failed', id: message.id, error: workerError } satisfies FromWorker);
      }
      return;
    }
    const call = calls.get(message.callId);
    if (!call) return;
    calls.delete(message.callId);
    if (message.type === 'probabilities') call.resolve({ probabilities: message.probabilities, evidence: message.evidence });
    else call.reject(new Error(message.message));
  });
  port.postMessage({ type: 'ready' } satisfies FromWorker);
}
