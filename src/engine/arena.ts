// A bump allocator over the engine memory: one kernel call allocates its inputs, output and scratch,
// then the next call starts again from the bottom. Memory grows to the largest call and never further.
const ALIGN = 64; // bytes: a cache line, so per-thread scratch never shares one
const WASM_PAGE = 65536;

export class Arena {
  readonly memory: WebAssembly.Memory;
  readonly base: number;
  private top: number;
  private highWater: number;
  private buffer: ArrayBufferLike;

  private readonly limit: number;

  /** The arena is [base, limit) of memory; without a limit it grows the memory as far as it allows. */
  constructor(memory: WebAssembly.Memory, base: number, limit = Infinity) {
    this.memory = memory;
    this.limit = limit;
    this.base = Math.ceil(base / ALIGN) * ALIGN;
    this.top = this.base;
    this.highWater = this.base;
    this.buffer = memory.buffer;
  }

  /** Starts a kernel call: everything allocated before is free again. */
  reset(): void {
    this.top = this.base;
  }

  /** Returns the byte offset of `bytes` fresh (not zeroed) bytes, growing the memory if needed. */
  alloc(bytes: number): number {
    const ptr = this.top;
    const end = ptr + Math.ceil(bytes / ALIGN) * ALIGN;
    if (end > this.limit) {
      throw new Error(`engine: a kernel needs more than the arena's ${Math.floor((this.limit - this.base) / 2 ** 20)} MiB`);
    }
    if (end > this.buffer.byteLength) this.grow(end);
    this.top = end;
    if (end > this.highWater) this.highWater = end;
    return ptr;
  }

  /** Allocates room for `values` and copies them in; returns the byte offset. */
  allocCopy(values: Float32Array): number {
    const ptr = this.alloc(values.length * 4);
    this.f32(ptr, values.length).set(values);
    return ptr;
  }

  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.buffer, ptr, length);
  }

  f64(ptr: number, length: number): Float64Array {
    return new Float64Array(this.buffer, ptr, length);
  }

  i32(ptr: number, length: number): Int32Array {
    return new Int32Array(this.buffer, ptr, length);
  }

  /** Bytes in use by the current call, the most any call has used, and the memory's size. */
  stats(): { arenaBytes: number; arenaHighWaterBytes: number; memoryBytes: number } {
    return { arenaBytes: this.top - this.base, arenaHighWaterBytes: this.highWater - this.base, memoryBytes: this.buffer.byteLength };
  }

  private grow(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (have >= end) {
      this.buffer = this.memory.buffer; // grown meanwhile (by the tensor heap)
      return;
    }
    const pages = Math.ceil((end - have) / WASM_PAGE);
    try {
      this.memory.grow(pages);
    } catch {
      throw new Error(`engine: out of WebAssembly memory (a kernel needs ${Math.ceil(end / 2 ** 20)} MiB)`);
    }
    this.buffer = this.memory.buffer;
  }
}
