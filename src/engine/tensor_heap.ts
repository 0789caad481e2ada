// Tensors resident in engine memory. With a shared WebAssembly memory (Node, cross-origin isolated pages) an
// engine kernel writes its output straight into a block of this heap and hands TensorFlow.js a Float32Array
// view of it; the next engine kernel reads that tensor where it lies. Without it every kernel copied its inputs
// into the arena and its output back out: about a sixth of a training step's time, all on one thread.
// (A plain, unshared memory detaches every view when it grows, so there the engine copies as before.)
//
// Blocks are recycled by exact size (a training step allocates the same sizes every step); when the heap is
// full a larger free block is split. Blocks are never merged.
// A block is freed when the last tensor data entry referencing its view is deleted (EngineBackend counts
// them); a view of part of a block (a cpu kernel's slice) is copied out when stored, so no tensor ever
// outlives its block. readSync hands out copies, so values kept after a dispose never change.
const ALIGN = 64;
const WASM_PAGE = 65536;

interface Block {
  ptr: number;
  bytes: number;
  references: number;
}

export class TensorHeap {
  private readonly memory: WebAssembly.Memory;
  private readonly base: number;
  private readonly limit: number;
  private top: number;
  private readonly free = new Map<number, number[]>(); // block bytes -> free block offsets
  private readonly blocks = new WeakMap<Float32Array, Block>();
  private readonly buffers = new WeakSet<ArrayBufferLike>(); // every buffer object of the memory so far
  private inUse = 0;
  private freeBytes = 0;

  /** Manages [base, limit) of `memory` (which must be shared, so views survive growth). */
  constructor(memory: WebAssembly.Memory, base: number, limit: number) {
    this.memory = memory;
    this.base = Math.ceil(base / ALIGN) * ALIGN;
    this.limit = limit;
    this.top = this.base;
    this.buffers.add(memory.buffer);
  }

  /** A view of n fresh floats (contents arbitrary) in a free block, or null when the heap is full. */
  alloc(n: number): Float32Array | null {
    const bytes = Math.max(ALIGN, Math.ceil((n * 4) / ALIGN) * ALIGN);
    let ptr = this.free.get(bytes)?.pop();
    if (ptr !== undefined) {
      this.freeBytes -= bytes;
    } else if (this.top + bytes > this.limit) {
      ptr = this.splitFreeBlock(bytes);
      if (ptr === undefined) return null;
    } else {
      ptr = this.top;
      this.top += bytes;
      if (this.top > this.memory.buffer.byteLength) {
        this.memory.grow(Math.ceil((this.top - this.memory.buffer.byteLength) / WASM_PAGE));
        this.buffers.add(this.memory.buffer);
      }
    }
    this.inUse += bytes;
    const view = new Float32Array(this.memory.buffer, ptr, n);
    this.blocks.set(view, { ptr, bytes, references: 0 });
    return view;
  }

  // Full: the smallest larger free block (blocks of sizes no longer used, say an evaluation's batch), its rest
  // returned to the free lists.
  private splitFreeBlock(bytes: number): number | undefined {
    let best = Infinity;
    for (const [size, list] of this.free) if (size > bytes && size < best && list.length > 0) best = size;
    if (best === Infinity) return undefined;
    const ptr = this.free.get(best)!.pop()!;
    this.freeBytes -= best;
    const rest = best - bytes;
    let list = this.free.get(rest);
    if (!list) this.free.set(rest, (list = []));
    list.push(ptr + bytes);
    this.freeBytes += rest;
    return ptr;
  }

  /** The byte offset of a heap block's view, or -1 for any other array. */
  offsetOf(values: unknown): number {
    return values instanceof Float32Array ? (this.blocks.get(values)?.ptr ?? -1) : -1;
  }

  /** Whether values are a view of this memory (a whole block, or part of one). */
  inMemory(values: unknown): boolean {
    return ArrayBuffer.isView(values) && this.buffers.has(values.buffer);
  }

  /** A tensor data entry now references the block viewed by values. */
  retain(values: unknown): void {
    const block = values instanceof Float32Array ? this.blocks.get(values) : undefined;
    if (block) block.references++;
  }

  /** A tensor data entry referencing values was deleted; the last one frees the block. */
  release(values: unknown): void {
    const block = values instanceof Float32Array ? this.blocks.get(values) : undefined;
    if (!block || --block.references > 0) return;
    this.blocks.delete(values as Float32Array);
    let list = this.free.get(block.bytes);
    if (!list) this.free.set(block.bytes, (list = []));
    list.push(block.ptr);
    this.inUse -= block.bytes;
    this.freeBytes += block.bytes;
  }

  /** Bytes of live blocks, and of blocks waiting for reuse. */
  stats(): { heapBytes: number; heapFreeBytes: number } {
    return { heapBytes: this.inUse, heapFreeBytes: this.freeBytes };
  }
}
