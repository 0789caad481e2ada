// Many requests, one model call. A batch of 16 digits costs about what 2-4 single digits do (the Keras CNN:
// 8.4 ms for one, 30 ms for 16 on one core), so classifications asked for while the model is busy wait
// and then go together: one model call at a time, each taking everything that queued meanwhile.
// When idle, a call waits only for the end of the current event-loop turn.
// Waiting longer for a fuller batch did not measurably pay: holding a call up to 1 ms for 4 digits raised the
// mean batch from 2.3-2.4 to 3.4-3.5 digits, but the server's CPU per request read 1.73-1.86 ms against 1.78-1.85
// (three alternating runs each of `npm run bench -- server`, 2026-11-26). A digit costs 0.63-0.68 ms in batches
// of 4 (`npm run bench -- server --profile`) and 0.73-0.77 in batches of 2 (the same, its batch list widened):
// at most ~0.1 ms a request, within the runs' spread.
import type { Classified, DigitClassifier } from '../recognize/types.ts';
import { classifyWithEvidence } from '../recognize/classify.ts';

interface PendingCall {
  images: Float32Array; // (count, 28, 28)
  count: number;
  resolve: (classified: Classified) => void;
  reject: (error: unknown) => void;
}

const DIGIT_PIXELS = 28 * 28;
const CLASSES = 10;

export class BatchingClassifier implements DigitClassifier {
  private pending: PendingCall[] = [];
  private pendingCount = 0;
  private running = false; // a model call is in progress
  private scheduled = false; // a flush is queued for the end of this turn
  private readonly inner: DigitClassifier;
  private readonly maxBatch: number;

  /** The inner classifier's verifier, unbatched: it runs once per line with a choice, not per digit. */
  readonly verify?: DigitClassifier['verify'];

  constructor(inner: DigitClassifier, maxBatch = 256) {
    this.inner = inner;
    this.maxBatch = maxBatch;
    if (inner.verify) this.verify = (images, count) => inner.verify!(images, count);
  }

  async classify(images: Float32Array, count: number): Promise<Float32Array> {
    return (await this.classifyWithEvidence(images, count)).probabilities;
  }

  /** Evidence comes back when the inner classifier gives it (null otherwise), at no extra model call. */
  classifyWithEvidence(images: Float32Array, count: number): Promise<Classified> {
    return new Promise((resolve, reject) => {
      this.pending.push({ images, count, resolve, reject });
      this.pendingCount += count;
      if (!this.running && !this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          void this.runBatches();
        });
      }
    });
  }

  /** Runs model calls until nothing is pending; whatever arrives during one call goes in the next. */
  private async runBatches(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.pending.length > 0) await this.runOneBatch();
    } finally {
      this.running = false;
    }
  }

  private async runOneBatch(): Promise<void> {
    // take calls up to maxBatch digits (at least one call, however big)
    let take = 0;
    let total = 0;
    while (take < this.pending.length && (take === 0 || total + this.pending[take].count <= this.maxBatch)) {
      total += this.pending[take].count;
      take++;
    }
    const calls = this.pending.splice(0, take);
    this.pendingCount -= total;

    let images: Float32Array;
    if (calls.length === 1) {
      images = calls[0].images;
    } else {
      images = new Float32Array(total * DIGIT_PIXELS); // (total, 28, 28)
      let offset = 0;
      for (const call of calls) {
        images.set(call.images.subarray(0, call.count * DIGIT_PIXELS), offset * DIGIT_PIXELS);
        offset += call.count;
      }
    }
    try {
      const { probabilities, evidence } = await classifyWithEvidence(this.inner, images, total); // (total, 10), (total)
      let row = 0;
      for (const call of calls) {
        call.resolve(
          calls.length === 1
            ? { probabilities, evidence }
            : { probabilities: probabilities.slice(row * CLASSES, (row + call.count) * CLASSES), evidence: evidence?.slice(row, row + call.count) ?? null },
        );
        row += call.count;
      }
    } catch (error) {
      for (const call of calls) call.reject(error);
    }
  }
}
