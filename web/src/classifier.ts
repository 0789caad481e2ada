// The page's classifier: the shipped model loaded from the page's own server (the model part's
// loadClassifierFromUrl, calibrated as it was saved), run in the browser with the engine (WebAssembly SIMD)
// when it starts, else TensorFlow.js's plain cpu backend. No server round trip.
import { setBackend } from '@tensorflow/tfjs-core';
import { useEngine } from '../../src/engine/index.ts';
import { loadClassifierFromUrl } from '../../src/model/index.ts';
import type { DigitClassifier } from '../../src/recognize/index.ts';

export interface LoadedClassifier {
  classifier: DigitClassifier;
  backend: string; // what runs it: 'digits-engine' or 'cpu'
}

/** The model at `url` (absolute: in a worker, relative URLs would resolve against the script). */
export async function loadClassifier(url: string): Promise<LoadedClassifier> {
  // The backend first: weights are created on whichever backend is current when they load.
  const backend = await startBackend();
  const loaded = await loadModel(url);
  // One prediction now, so the first drawing does not pay for kernel set-up.
  await loaded.classifier.classify(new Float32Array(784), 1);
  return { classifier: loaded.classifier, backend };
}

async function loadModel(url: string): Promise<{ classifier: DigitClassifier }> {
  try {
    return await loadClassifierFromUrl(url);
  } catch (error) {
    throw new Error(`${url} did not load (${error instanceof Error ? error.message : String(error)})`);
  }
}

/** The engine on one thread (a digit or a few are too little work to share), or cpu when it cannot start. */
async function startBackend(): Promise<string> {
  try {
    const info = await useEngine({ threads: 1 });
    return info.backend;
  } catch (error) {
    console.warn(`digits: the engine did not start (${error instanceof Error ? error.message : error}); using the cpu backend`);
    await setBackend('cpu');
    return 'cpu';
  }
}
