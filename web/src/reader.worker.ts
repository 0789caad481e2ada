// The reading worker: told where the model is, loads it once, then answers each read request (see reader.ts).
import { loadClassifier } from './classifier.ts';
import { readDigits } from './read.ts';
import type { FromWorker, ToWorker } from './reader.ts';
import type { DigitClassifier } from '../../src/recognize/index.ts';

const scope = self as unknown as {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
};

let classifier: DigitClassifier | null = null;

scope.onmessage = async (event) => {
  const message = event.data;
  if (message.type === 'start') {
    try {
      const loaded = await loadClassifier(message.modelUrl);
      classifier = loaded.classifier;
      scope.postMessage({ type: 'ready', backend: loaded.backend });
    } catch (error) {
      scope.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
    }
    return;
  }
  try {
    if (!classifier) throw new Error('the model is not loaded');
    const result = await readDigits(classifier, message.request);
    scope.postMessage({ type: 'result', id: message.id, result }, result.images.map((image) => image.buffer as ArrayBuffer));
  } catch (error) {
    scope.postMessage({ type: 'error', id: message.id, message: error instanceof Error ? error.message : String(error) });
  }
};
