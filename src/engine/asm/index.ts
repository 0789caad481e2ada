// The engine's one WebAssembly module: every kernel, plus runTask, the entry point of the thread pool.
// Memory is imported (shared) and managed from JavaScript: kernels take raw byte offsets and never allocate.
export { sgemm, packB, gemmPacked, gemmScratchFloats, packedBFloats } from './gemm';
export { runTask, gemmChunk, gemmSplitsColumns } from './tasks';

/** First byte past the module's static data: the JavaScript arena starts here. */
export function heapBase(): usize {
  return __heap_base;
}
export { convScratchFloats, conv2dBackpropFilterZero, conv2dBackpropFilterReduce, biasActivation } from './conv';
export { sumLeading } from './elementwise';
export { flipTransposeFilter, winogradFilter, winogradFilterFloats, winogradScratchFloats } from './winograd';
export { winogradBackpropFilterReduce, winogradFilterGradScratchFloats } from './winograd';
export { winograd4Filter, winograd4FilterFloats, winograd4ScratchFloats } from './winograd4';
export { reduceShares } from './normalization';
export { spaceToDepthInput, spaceToDepthFilter } from './space_to_depth';
