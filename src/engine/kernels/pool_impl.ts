// NHWC 2-D pooling loops shared by MaxPool, MaxPoolGrad, AvgPool and AvgPoolGrad, in plain JavaScript:
// pooling is memory-bound (one compare or add per element read), so copying the tensors into the wasm
// arena and back would cost as much as the op itself. tfjs cpu walks channels outermost with a strided
// element read per window pixel (and MaxPoolGrad first materialises argmax positions via buffer.get), so a
// Keras CNN's MaxPoolGrad took 2.2 s per batch of 128; here the channel loop is innermost and contiguous.
import { backend_util } from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { float32Values } from './matmul_impl.ts';

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

/** y (N,outH,outW,C) = max of x (N,H,W,C) over each window; -Infinity for a window with no finite max, as tfjs. */
export function maxPoolForward(x: Float32Array, info: PoolInfo): Float32Array {
  const { batchSize, inHeight, inWidth, inChannels: C, outHeight, outWidth, strideHeight, strideWidth } = info;
  const fH = info.effectiveFilterHeight, fW = info.effectiveFilterWidth;
  const padTop = info.padInfo.top, padLeft = info.padInfo.left;
  const y = new Float32Array(batchSize * outHeight * outWidth * C).fill(-Infinity);
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
            for (let d = 0; d < C; d++) {
              const v = x[i + d];
              if (v > y[o + d]) y[o + d] = v; // NaN never wins, as tfjs cpu
            }
          }
        }
      }
    }
  }
  return y;
}

/**
 * dx (N,H,W,C): each dy element added at its window's argmax in x (the first strictly greatest value in
 * row-major window order, as tfjs's maxPoolPositions; nothing for a window with no value above -Infinity).
 */
export function maxPoolBackward(dy: Float32Array, x: Float32Array, info: PoolInfo): Float32Array {
  const { batchSize, inHeight, inWidth, inChannels: C, outHeight, outWidth, strideHeight, strideWidth } = info;
  const fH = info.effectiveFilterHeight, fW = info.effectiveFilterWidth;
  const padTop = info.padInfo.top, padLeft = info.padInfo.left;
  const dx = new Float32Array(x.length);
  const best = new Float32Array(C); // (C) running max of the current window
  const at = new Int32Array(C); // (C) its flat index into x, -1 for none
  let o = 0;
  for (let b = 0; b < batchSize; b++) {
    const xBatch = b * inHeight * inWidth * C;
    for (let yR = 0; yR < outHeight; yR++) {
      const rCorner = yR * strideHeight - padTop;
      const rMin = Math.max(0, rCorner), rMax = Math.min(inHeight, rCorner + fH);
      for (let yC = 0; yC < outWidth; yC++, o += C) {
        const cCorner = yC * strideWidth - padLeft;
        const cMin = Math.max(0, cCorner), cMax = Math.min(inWidth, cCorner + fW);
        best.fill(-Infinity);
        at.fill(-1);
        for (let xR = rMin; xR < rMax; xR++) {
          for (let xC = cMin; xC < cMax; xC++) {
            const i = xBatch + (xR * inWidth + xC) * C;
            for (let d = 0; d < C; d++) {
              const v = x[i + d];
              if (v > best[d]) {
                best[d] = v;
                at[d] = i + d;
              }
            }
          }
        }
        for (let d = 0; d < C; d++) if (at[d] >= 0) dx[at[d]] += dy[o + d];
      }
    }
  }
  return dx;
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
