// Loads the engine's WebAssembly module (bytes embedded as base64 by scripts/build-engine.mjs).
import { ENGINE_WASM_SHARED_BASE64, ENGINE_WASM_SINGLE_BASE64 } from './build/engine-wasm.ts';

/** The functions src/engine/asm/index.ts exports; pointers are byte offsets into the engine memory. */
export interface EngineExports {
  heapBase(): number;
  gemmScratchFloats(): number;
  packedBFloats(K: number, N: number): number;
  packB(K: number, N: number, B: number, rsB: number, csB: number, dst: number, panel0: number, panel1: number): void;
  sgemm(
    M: number, N: number, K: number, A: number, rsA: number, csA: number, B: number, rsB: number, csB: number,
    C: number, ldc: number, accumulate: boolean | number, packBuf: number, scratch: number,
  ): void;
  runTask(task: number, thread: number, threads: number): void;
  gemmChunk(M: number, N: number, threads: number): number;
  gemmSplitsColumns(M: number, N: number): number;
  convScratchFloats(K: number, outC: number, tileP: number): number;
  conv2dBackpropFilterZero(geom: number, dW: number, tileP: number, scratchBase: number, scratchStride: number, shares: number): void;
  conv2dBackpropFilterReduce(geom: number, dW: number, tileP: number, scratchBase: number, scratchStride: number, shares: number): void;
  biasActivation(rows: number, P: number, outC: number, bias: number, activation: number): void;
  sumLeading(x: number, outer: number, inner: number, out: number, acc: number): void;
  reduceShares(acc: number, shares: number, inner: number, out: number): void;
  flipTransposeFilter(f: number, inC: number, outC: number, dst: number): void;
  winogradFilter(f: number, inC: number, outC: number, tmp: number, dst: number): void;
  winogradFilterFloats(inC: number, outC: number): number;
  winogradScratchFloats(inC: number, outC: number, T: number): number;
  winograd4Filter(f: number, inC: number, outC: number, tmp: number, dst: number): void;
  winograd4FilterFloats(inC: number, outC: number): number;
  winograd4ScratchFloats(inC: number, outC: number, T: number): number;
  winogradFilterGradScratchFloats(inC: number, outC: number, T: number): number;
  winogradBackpropFilterReduce(geom: number, dW: number, T: number, scratchBase: number, scratchStride: number, shares: number): void;
  spaceToDepthInput(geom: number, x: number, dst: number): void;
  spaceToDepthFilter(f: number, fH: number, fW: number, inC: number, outC: number, dst: number): void;
}

const WASM_PAGE = 65536;
/** Memory ceiling: 2 GiB (the arena only grows to the largest single kernel call). */
export const MAX_MEMORY_PAGES = 32768;

function decodeBase64(base64: string): Uint8Array<ArrayBuffer> {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** Whether this JavaScript host can share WebAssembly memory with workers. */
export function canShareMemory(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return true;
  } catch {
    return false;
  }
}

export interface LoadedEngine {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  exports: EngineExports;
  shared: boolean;
}

export async function loadEngineWasm(shared: boolean, initialBytes = 16 << 20): Promise<LoadedEngine> {
  const module = await WebAssembly.compile(decodeBase64(shared ? ENGINE_WASM_SHARED_BASE64 : ENGINE_WASM_SINGLE_BASE64));
  const memory = new WebAssembly.Memory({ initial: Math.ceil(initialBytes / WASM_PAGE), maximum: MAX_MEMORY_PAGES, shared });
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  return { module, memory, exports: instance.exports as unknown as EngineExports, shared };
}
