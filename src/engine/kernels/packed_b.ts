// The packed B operand of a GEMM (asm packB layout) for a tensor: from the packed-weights cache when the
// tensor was packed this way before, otherwise packed into the arena (and kept in the cache on second use).
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { TASK_PACK_B, inputOffset, runEngineTask } from '../runtime.ts';
import type { EngineRuntime } from '../runtime.ts';

// Packing is a copy of K*N floats: worth splitting over threads only when large.
const PARALLEL_PACK_FLOATS = 1 << 18;
export const ALL_PANELS = 0x7fffffff;

/**
 * op(B) (K,N) element (k,n) is values[offset + k*rsB + n*csB]. Returns the packed offset in engine memory.
 * values must be the whole tensor unless cacheable is false (one matrix of a batch).
 */
export function packedOperandB(
  rt: EngineRuntime, tensor: TensorInfo, values: Float32Array, K: number, N: number, rsB: number, csB: number, threads: number,
  cacheable = true,
): number {
  const { arena, exports, cache } = rt;
  const variant = `${K},${N},${rsB},${csB}`;
  if (cacheable) {
    const hit = cache.get(tensor.dataId, variant);
    if (hit) return hit;
  }
  const packedBytes = exports.packedBFloats(K, N) * 4;
  const dst = (cacheable && cache.seenBefore(tensor.dataId, variant) && cache.put(tensor.dataId, variant, packedBytes)) || arena.alloc(packedBytes);
  const src = inputOffset(rt, values);
  if (threads > 1 && K * N >= PARALLEL_PACK_FLOATS) runEngineTask(rt, TASK_PACK_B, [K, N, src, rsB, csB, dst], threads);
  else exports.packB(K, N, src, rsB, csB, dst, 0, ALL_PANELS);
  return dst;
}
