// Output arrays for the engine's kernels, reused once their tensors are disposed. A fresh large Float32Array
// costs far more than filling it (12.8 MB: ~4.5 ms to map, zero-fault and later unmap its pages, ~0.5 ms to
// copy into a reused one), and a training step makes dozens of them, the same sizes every step.
//
// Safety: an array is reused only when no tensor data references its buffer any more. EngineBackend counts
// references in write/move (a cpu kernel may store a subarray of ours under a new dataId: same buffer, counted)
// and releases them in disposeData; readSync hands out copies of recyclable arrays, so values a caller keeps
// after disposing a tensor (`tidy(() => t.dataSync())`) are never overwritten.

// Small arrays are cheap to allocate (V8's heap): recycle only from 64 KiB.
const MIN_RECYCLED_FLOATS = 16384;
// Arrays kept per length, and in all: a training step's worth of activations and gradients.
const MAX_PER_LENGTH = 64;
const MAX_POOLED_BYTES = 1 << 30;

export class ArrayRecycler {
  private readonly free = new Map<number, Float32Array[]>();
  // buffers handed out by take() -> tensor data entries referencing them (weak: an array never stored is collected)
  private readonly references = new WeakMap<ArrayBufferLike, number>();
  private pooledBytes = 0;

  /** A Float32Array of n floats (contents arbitrary) for a kernel's output. */
  take(n: number): Float32Array {
    if (n < MIN_RECYCLED_FLOATS) return new Float32Array(n);
    const list = this.free.get(n);
    const reused = list?.pop();
    let values: Float32Array;
    if (reused) {
      this.pooledBytes -= reused.byteLength;
      values = reused;
    } else {
      values = new Float32Array(n);
    }
    this.references.set(values.buffer, 0);
    return values;
  }

  /** A recyclable copy of `view` (an engine memory view). */
  copyOf(view: Float32Array): Float32Array {
    const out = this.take(view.length);
    out.set(view);
    return out;
  }

  /** Whether values live in a buffer this recycler may reuse. */
  owns(values: unknown): boolean {
    return ArrayBuffer.isView(values) && this.references.has(values.buffer);
  }

  /** A tensor data entry now references values. */
  retain(values: unknown): void {
    if (!ArrayBuffer.isView(values)) return;
    const count = this.references.get(values.buffer);
    if (count !== undefined) this.references.set(values.buffer, count + 1);
  }

  /** A tensor data entry referencing values was deleted; the last one makes the array reusable. */
  release(values: unknown): void {
    if (!ArrayBuffer.isView(values)) return;
    const buffer = values.buffer;
    const count = this.references.get(buffer);
    if (count === undefined) return;
    if (count > 1) {
      this.references.set(buffer, count - 1);
      return;
    }
    this.references.delete(buffer);
    const whole = new Float32Array(buffer);
    if (this.pooledBytes + whole.byteLength > MAX_POOLED_BYTES) return;
    let list = this.free.get(whole.length);
    if (!list) this.free.set(whole.length, (list = []));
    if (list.length >= MAX_PER_LENGTH) return;
    list.push(whole);
    this.pooledBytes += whole.byteLength;
  }

  /** Drops every pooled array (the garbage collector frees them). */
  clear(): void {
    this.free.clear();
    this.pooledBytes = 0;
  }

  /** Bytes of arrays waiting to be reused. */
  bytes(): number {
    return this.pooledBytes;
  }
}

/** The engine backend's recycler (one per process: arrays are plain JavaScript memory). */
export const recycler = new ArrayRecycler();
