// NHWC 2-D pooling shared by MaxPool, MaxPoolGrad, AvgPool and AvgPoolGrad: max pooling (hot in training) in
// wasm, four channels at a time (asm/pool.ts); average pooling in plain JavaScript loops. tfjs cpu walks
// channels outermost with a strided element read per window pixel (and MaxPoolGrad first materialises argmax
// positions via buffer.get), so a Keras CNN's MaxPoolGrad took 2.2 s per batch of 128; here the channel loop is
// innermost and contiguous.
import { backend_util } from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { float32Values } from './matmul_impl.ts';
import { writeGeometry } from './conv_impl.ts';
import { TASK_MAX_POOL, TASK_MAX_POOL_GRAD, allocOutput, engineRuntime, inputOffset, runEngineTask } from '../runtime.ts';
import type { EngineRuntime } from '../runtime.ts';

export type PoolInfo = backend_util.Conv2DInfo;

/** The pooling geometry, or null for cases left to tfjs cpu (NCHW, dilation, non-float32 input). */
export function poolInfo(
  backend: MathBackendCPU,
  x: TensorInfo,
  attrs: { filterSize: number | [number, number]; strides: number | [number, number]; pad: 'valid' | 'same' | number | backend_util.ExplicitPadding; dimRoundingMode?: 'floor' | 'round' | 'ceil' },
): { info: PoolInfo; xValues: Float32Array } | null {
  const xValues = float32Values(backend, x);
  if (!xValues || x.shape.length !== 4) return null;
  const info = backend_util.computePool2DInfo(
    x.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1 || info.dataFormat !== 'channelsLast') return null;
  return { info, xValues };
}

/** y = mean of x over the in-bounds part of each window (padding not counted, as tfjs cpu). */
export function avgPoolForward(x: Float32Array, info: PoolInfo): Float32Array {
  const { batchSize, inHeight, inWidth, inChannels: C, outHeight, outWidth, strideHeight, strideWidth } = info;
  const fH = info.effectiveFilterHeight, fW = info.effectiveFilterWidth;
  const padTop = info.padInfo.top, padLeft = info.padInfo.left;
  const y = new Float32Array(batchSize * outHeight * outWidth * C);
  const acc = new Float64Array(C); // tfjs cpu sums in doubles
  let o = 0;
  for (let b = 0; b < batchSize; b++) {
    const xBatch = b * inHeight * inWidth * C;
    for (let yR = 0; yR < outHeight; yR++) {
      const rCorner = yR * strideHeight - padTop;
      const rMin = Math.max(0, rCorner), rMax = Math.min(inHeight, rCorner + fH);
      for (let yC = 0; yC < outWidth; yC++, o += C) {
        const cCorner = yC * strideWidth - padLeft;
        const cMin = Math.max(0, cCorner), cMax = Math.min(inWidth, cCorner + fW);
        acc.fill(0);
        for (let xR = rMin; xR < rMax; xR++) {
          for (let xC = cMin; xC < cMax; xC++) {
            const i = xBatch + (xR * inWidth + xC) * C;
            for (let d = 0; d < C; d++) acc[d] += x[i + d];
          }
        }
        const count = (rMax - rMin) * (cMax - cMin);
        for (let d = 0; d < C; d++) y[o + d] = acc[d] / count;
      }
    }
  }
  return y;
}

/** dx (N,H,W,C): each dy element spread over its window's in-bounds pixels times 1/(fH*fW), as tfjs cpu. */
export function avgPoolBackward(dy: Float32Array, info: PoolInfo): Float32Array {
  const { batchSize, inHeight, inWidth, inChannels: C, outHeight, outWidth, strideHeight, strideWidth } = info;
  const fH = info.effectiveFilterHeight, fW = info.effectiveFilterWidth;
  const padTop = info.padInfo.top, padLeft = info.padInfo.left;
  const scale = 1 / (info.filterHeight * info.filterWidth);
  const dx = new Float32Array(batchSize * inHeight * inWidth * C);
  let o = 0;
  for (let b = 0; b < batchSize; b++) {
    const xBatch = b * inHeight * inWidth * C;
    for (let yR = 0; yR < outHeight; yR++) {
      const rCorner = yR * strideHeight - padTop;
      const rMin = Math.max(0, rCorner), rMax = Math.min(inHeight, rCorner + fH);
      for (let yC = 0; yC < outWidth; yC++, o += C) {
        const cCorner = yC * strideWidth - padLeft;
        const cMin = Math.max(0, cCorner), cMax = Math.min(inWidth, cCorner + fW);
        for (let xR = rMin; xR < rMax; xR++) {
          for (let xC = cMin; xC < cMax; xC++) {
            const i = xBatch + (xR * inWidth + xC) * C;
            for (let d = 0; d < C; d++) dx[i + d] += dy[o + d] * scale;
          }
        }
      }
    }
  }
  return dx;
}

/** y = maxPool(x) in wasm (asm/pool.ts), threads taking whole images. */
export function engineMaxPool(x: Float32Array, info: PoolInfo): Float32Array {
  const rt = engineRuntime();
  const { arena } = rt;
  const outSize = info.batchSize * info.outHeight * info.outWidth * info.outChannels;
  arena.reset();
  const geom = writeGeometry(rt, info);
  const xPtr = inputOffset(rt, x);
  const out = allocOutput(rt, outSize);
  runEngineTask(rt, TASK_MAX_POOL, [geom, xPtr, out.ptr], poolThreads(rt, x.length, info.batchSize));
  const y = out.values();
  arena.reset();
  return y;
}

/** dx = maxPool's gradient in wasm (asm/pool.ts), threads taking whole images. */
export function engineMaxPoolGrad(dy: Float32Array, x: Float32Array, info: PoolInfo): Float32Array {
  const rt = engineRuntime();
  const { arena } = rt;
  arena.reset();
  const geom = writeGeometry(rt, info);
  const xPtr = inputOffset(rt, x);
  const dyPtr = inputOffset(rt, dy);
  const out = allocOutput(rt, x.length);
  runEngineTask(rt, TASK_MAX_POOL_GRAD, [geom, xPtr, dyPtr, out.ptr], poolThreads(rt, x.length, info.batchSize));
  const dx = out.values();
  arena.reset();
  return dx;
}

// Pooling reads each input element about once: a second thread pays off only for large inputs.
const MIN_POOL_FLOATS_PER_THREAD = 1 << 18;
function poolThreads(rt: EngineRuntime, inputFloats: number, batch: number): number {
  return Math.max(1, Math.min(rt.pool.size, batch, Math.floor(inputFloats / MIN_POOL_FLOATS_PER_THREAD)));
}
