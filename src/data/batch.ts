// Batches for training: a seeded shuffle per epoch and a gather of one batch into reused buffers.
// The order depends only on (seed, epoch), so a run resumed mid-epoch sees the same batches it would have.

const PIXELS = 28 * 28;

/** A permutation of 0..count-1 for `epoch` (0-based) of a run seeded `seed`. */
export function epochOrder(count: number, seed: number, epoch: number): Uint32Array {
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  // Fisher-Yates with mulberry32, seeded per epoch.
  let state = mixSeeds(seed, 0x5eed, epoch);
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    const swap = order[i];
    order[i] = order[j];
    order[j] = swap;
  }
  return order;
}

/** One 32-bit seed from several integers (a short avalanche hash), for independent per-epoch/per-batch streams. */
export function mixSeeds(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    h = Math.imul(h ^ (part >>> 0), 0x01000193);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
  }
  return h >>> 0;
}

/**
 * Copies the `size` images and labels at `order[start..start+size)` into `images` (size,28,28) and `labels` (size).
 * `source` is (n,28,28) in 0..1.
 */
export function gatherBatch(
  source: Float32Array,
  sourceLabels: Uint8Array,
  order: Uint32Array,
  start: number,
  size: number,
  images: Float32Array,
  labels: Uint8Array,
): void {
  for (let i = 0; i < size; i++) {
    const index = order[start + i];
    images.set(source.subarray(index * PIXELS, (index + 1) * PIXELS), i * PIXELS);
    labels[i] = sourceLabels[index];
  }
}
