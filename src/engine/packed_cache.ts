// Packed copies of weight matrices kept in engine memory between kernel calls, keyed by the tensor's dataId.
// A tfjs dataId's values never change (ops and variable assignment make new dataIds), so a packing stays valid
// until the tensor is disposed (EngineBackend.disposeData evicts it). Only a tensor packed a second time the
// same way is cached: inference reuses its weights every call; training makes new weights every step.
//
// The cache owns a fixed region [base, base + bytes) below the arena, managed as a first-fit free list.
const ALIGN = 64;

interface Entry {
  ptr: number;
  bytes: number;
}

export class PackedCache {
  private readonly entries = new Map<object, Map<string, Entry>>();
  private readonly seen = new WeakMap<object, Set<string>>();
  private free: { ptr: number; bytes: number }[];
  readonly base: number;
  readonly capacity: number;

  constructor(base: number, capacity: number) {
    this.base = base;
    this.capacity = capacity;
    this.free = [{ ptr: base, bytes: capacity }];
  }

  /** The cached packing of dataId as `variant`, or 0. */
  get(dataId: object, variant: string): number {
    return this.entries.get(dataId)?.get(variant)?.ptr ?? 0;
  }

  /** Records a use; true when dataId was packed as `variant` before, i.e. it is worth caching now. */
  seenBefore(dataId: object, variant: string): boolean {
    let variants = this.seen.get(dataId);
    if (!variants) this.seen.set(dataId, (variants = new Set()));
    if (variants.has(variant)) return true;
    variants.add(variant);
    return false;
  }

  /** Reserves `bytes` for dataId's `variant`; returns the offset, or 0 when it does not fit. */
  put(dataId: object, variant: string, bytes: number): number {
    const size = Math.ceil(bytes / ALIGN) * ALIGN;
    const i = this.free.findIndex((block) => block.bytes >= size);
    if (i < 0) return 0;
    const block = this.free[i];
    const ptr = block.ptr;
    if (block.bytes === size) this.free.splice(i, 1);
    else this.free[i] = { ptr: ptr + size, bytes: block.bytes - size };
    let variants = this.entries.get(dataId);
    if (!variants) this.entries.set(dataId, (variants = new Map()));
    variants.set(variant, { ptr, bytes: size });
    return ptr;
  }

  /** Frees every packing of dataId (its tensor was disposed). */
  evict(dataId: object): void {
    const variants = this.entries.get(dataId);
    if (!variants) return;
    this.entries.delete(dataId);
    for (const entry of variants.values()) this.release(entry.ptr, entry.bytes);
  }

  /** Bytes held by cached packings. */
  usedBytes(): number {
    return this.capacity - this.free.reduce((sum, block) => sum + block.bytes, 0);
  }

  private release(ptr: number, bytes: number): void {
    this.free.push({ ptr, bytes });
    this.free.sort((p, q) => p.ptr - q.ptr);
    const merged: { ptr: number; bytes: number }[] = [];
    for (const block of this.free) {
      const last = merged[merged.length - 1];
      if (last && last.ptr + last.bytes === block.ptr) last.bytes += block.bytes;
      else merged.push({ ...block });
    }
    this.free = merged;
  }
}
