// Shared by BatchMatMul and _FusedMatMul: out (batch,M,N) = act(op(a) (batch,M,K) * op(b) (batch,K,N) + bias (N)).
import { broadcast_util, util } from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { allocOutput, engineRuntime, inputOffset, runGemmTask, threadsFor } from '../runtime.ts';
import { packedOperandB } from './packed_b.ts';

// A B operand this large (512 KB) is worth splitting over threads even for a single row of A: reading it is
// the work (the default model's dense layer on one image reads 1.6 MB).
const LARGE_B_FLOATS = 1 << 17;

export const ACTIVATION_LINEAR = 0;
export const ACTIVATION_RELU = 1;

/** Maps a tfjs fused activation name to the engine's code, or null when the engine does not do it. */
export function activationCode(activation: string | undefined): number | null {
  if (activation === undefined || activation === 'linear') return ACTIVATION_LINEAR;
  if (activation === 'relu') return ACTIVATION_RELU;
  return null;
}

export function float32Values(backend: MathBackendCPU, t: TensorInfo): Float32Array | null {
  if (t.dtype !== 'float32') return null;
  const values = backend.data.get(t.dataId).values;
  return values instanceof Float32Array ? values : null;
}


/**
 * Returns null where the engine does not cover the case (the caller then runs the cpu kernel, which also
 * reports shape errors in tfjs's own words).
 */
export function engineMatMul(
  backend: MathBackendCPU,
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  bias: TensorInfo | null,
  activation: number,
): TensorInfo | null {
  const aValues = float32Values(backend, a);
  const bValues = float32Values(backend, b);
  const biasValues = bias ? float32Values(backend, bias) : null;
  if (!aValues || !bValues || (bias && !biasValues)) return null;
  const aRank = a.shape.length, bRank = b.shape.length;
  if (aRank < 2 || bRank < 2) return null;
  const M = transposeA ? a.shape[aRank - 1] : a.shape[aRank - 2];
  const K = transposeA ? a.shape[aRank - 2] : a.shape[aRank - 1];
  const Kb = transposeB ? b.shape[bRank - 1] : b.shape[bRank - 2];
  const N = transposeB ? b.shape[bRank - 2] : b.shape[bRank - 1];
  if (K !== Kb || M === 0 || N === 0) return null;
  const batchA = util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = util.sizeFromShape(b.shape.slice(0, -2));
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) return null;
  if (biasValues && biasValues.length !== N) return null;
  const batchShape = broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const batch = Math.max(batchA, batchB);

  const rt = engineRuntime();
  const { arena, exports } = rt;
  arena.reset();
  // op(A) element (m,k): A stored (M,K) unless transposed, then (K,M); likewise op(B) (k,n) from (K,N) or (N,K)
  const rsA = transposeA ? 1 : K, csA = transposeA ? M : 1;
  const rsB = transposeB ? 1 : N, csB = transposeB ? K : 1;
  const aPtr = inputOffset(rt, aValues);
  const biasPtr = biasValues ? inputOffset(rt, biasValues) : 0;
  const c = allocOutput(rt, batch * M * N);
  const cPtr = c.ptr;
  // few rows and a large B (a dense layer on one image) is bound by reading B: split it for the bandwidth
  const threads = Math.max(threadsFor(rt, 2 * M * N * K), K * N >= LARGE_B_FLOATS ? rt.pool.size : 1);
  const scratchStride = exports.gemmScratchFloats() * 4;
  const scratch = arena.alloc(scratchStride * threads);
  let packed = 0;
  for (let i = 0; i < batch; i++) {
    const aBatch = aPtr + (batchA === 1 ? 0 : i * M * K * 4);
    if (batchB === 1) {
      if (i === 0) packed = packedOperandB(rt, b, bValues, K, N, rsB, csB, threads);
    } else {
      packed = packedOperandB(rt, b, bValues.subarray(i * K * N, (i + 1) * K * N), K, N, rsB, csB, threads, false);
    }
    const cBatch = cPtr + i * M * N * 4;
    runGemmTask(rt, M, N, K, aBatch, rsA, csA, packed, cBatch, N, false, scratch, scratchStride, threads);
    if (biasPtr !== 0 || activation !== ACTIVATION_LINEAR) exports.biasActivation(cBatch, M, N, biasPtr, activation);
  }
  const out = c.values();
  arena.reset();
  return backend.makeTensorInfo([...batchShape, M, N], 'float32', out);
}
