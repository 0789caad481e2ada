// Many requests, one model call: classifications asked for in the same turn of the event loop are run
// as one batch. A batch of 32 digits costs little more than one, so under load this multiplies throughput.
import type { DigitClassifier } from '../recognize/types.ts';

interface PendingCall {
  images: Float32Array; // (count, 28, 28)
  count: number;
  resolve: (probabilities: Float32Array) => void;
  reject: (error: unknown) => void;
}

const DIGIT_PIXELS = 28 * 28;
const CLASSES = 10;

export class BatchingClassifier implements DigitClassifier {
  private pending: PendingCall[] = [];
  private pendingCount = 0;
  private readonly inner: DigitClassifier;
  private readonly maxBatch: number;

  constructor(inner: DigitClassifier, maxBatch = 256) {
    this.inner = inner;
    this.maxBatch = maxBatch;
  }

  classify(images: Float32Array, count: number): Promise<Float32Array> {
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(() => this.flush());
      this.pending.push({ images, count, resolve, reject });
      this.pendingCount += count;
      if (this.pendingCount >= this.maxBatch) this.flush();
    });
  }

  private flush(): void {
    const calls = this.pending;
    const total = this.pendingCount;
    if (calls.length === 0) return;
    this.pending = [];
    this.pendingCount = 0;
    if (calls.length === 1) {
      this.classifyInner(calls[0].images, calls[0].count).then(calls[0].resolve, calls[0].reject);
      return;
    }
    const images = new Float32Array(total * DIGIT_PIXELS); // (total, 28, 28)
    let offset = 0;
    for (const call of calls) {
      images.set(call.images.subarray(0, call.count * DIGIT_PIXELS), offset * DIGIT_PIXELS);
      offset += call.count;
    }
    this.classifyInner(images, total).then(
      (probabilities) => {
        // probabilities is (total, 10): hand each caller its own rows
        let row = 0;
        for (const call of calls) {
          call.resolve(probabilities.slice(row * CLASSES, (row + call.count) * CLASSES));
          row += call.count;
        }
      },
      (error) => {
        for (const call of calls) call.reject(error);
      },
    );
  }

  /** The inner classifier's answer; a synchronous throw becomes a rejection, so callers always hear back. */
  private classifyInner(images: Float32Array, count: number): Promise<Float32Array> {
    try {
      return this.inner.classify(images, count);
    } catch (error) {
      return Promise.reject(error);
    }
  }
}
