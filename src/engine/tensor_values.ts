// Direct access to a float32 tensor's values on the engine backend, for the optimizers' one-pass updates:
// dataSync would copy them (readSync hands out copies of recyclable arrays, recycler.ts).
import { engine } from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

/** The values of t, read-only: the stored array when t lives on the current (cpu-like) backend, else a copy. */
export function float32ValuesOf(t: Tensor): Float32Array {
  const stored = (engine().backend as MathBackendCPU).data?.get(t.dataId)?.values;
  return stored instanceof Float32Array ? stored : (t.dataSync() as Float32Array);
}
