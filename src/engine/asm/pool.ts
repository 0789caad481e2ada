// 2-D max pooling, NHWC, forward and backward side by side, four channels at a time. The geometry block is the
// convolutions' (asm/conv.ts), written from tfjs's computePool2DInfo (filter = window, outC = C).
// Threads take whole images, so the backward pass's scatter-adds of two threads never touch the same image.
const G_BATCH = 0, G_IN_H = 1, G_IN_W = 2, G_IN_C = 3, G_OUT_H = 4, G_OUT_W = 5;
const G_F_H = 7, G_F_W = 8, G_STRIDE_H = 9, G_STRIDE_W = 10, G_PAD_TOP = 13, G_PAD_LEFT = 14;

// @ts-ignore: decorator
@inline function g(geom: usize, i: i32): i32 {
  return load<i32>(geom + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline function nextUnit(counter: usize): i32 {
  return atomic.add<i32>(counter, 1);
}

// y (N,outH,outW,C) = max of x (N,H,W,C) over each window's in-bounds pixels; -Infinity where no value beats it
// (an all -Infinity or NaN window), as tfjs cpu: a NaN never wins a compare.
export function maxPoolForward(geom: usize, x: usize, y: usize, counter: usize): void {
  const batch = g(geom, G_BATCH), inH = g(geom, G_IN_H), inW = g(geom, G_IN_W), C = g(geom, G_IN_C);
  const outH = g(geom, G_OUT_H), outW = g(geom, G_OUT_W), fH = g(geom, G_F_H), fW = g(geom, G_F_W);
  const sH = g(geom, G_STRIDE_H), sW = g(geom, G_STRIDE_W), padTop = g(geom, G_PAD_TOP), padLeft = g(geom, G_PAD_LEFT);
  const pixelBytes = <usize>C << 2;
  const negInf = f32x4.splat(-Infinity);
  for (let b = nextUnit(counter); b < batch; b = nextUnit(counter)) {
    const image = x + <usize>b * <usize>inH * <usize>inW * pixelBytes;
    let o = y + <usize>b * <usize>outH * <usize>outW * pixelBytes;
    for (let oh = 0; oh < outH; oh++) {
      const r0 = oh * sH - padTop;
      const rMin = max(0, r0), rMax = min(inH, r0 + fH);
      for (let ow = 0; ow < outW; ow++) {
        const c0 = ow * sW - padLeft;
        const cMin = max(0, c0), cMax = min(inW, c0 + fW);
        let d = 0;
        for (; d + 4 <= C; d += 4) {
          let best = negInf;
          for (let r = rMin; r < rMax; r++) {
            for (let c = cMin; c < cMax; c++) {
              const v = v128.load(image + (<usize>r * <usize>inW + <usize>c) * pixelBytes + (<usize>d << 2));
              best = v128.bitselect(v, best, f32x4.gt(v, best));
            }
          }
          v128.store(o + (<usize>d << 2), best);
        }
        for (; d < C; d++) {
          let best: f32 = -Infinity;
          for (let r = rMin; r < rMax; r++) {
            for (let c = cMin; c < cMax; c++) {
              const v = load<f32>(image + (<usize>r * <usize>inW + <usize>c) * pixelBytes + (<usize>d << 2));
              if (v > best) best = v;
            }
          }
          store<f32>(o + (<usize>d << 2), best);
        }
        o += pixelBytes;
      }
    }
  }
}

// dx (N,H,W,C) = each dy (N,outH,outW,C) element added at its window's argmax in x: the first strictly greatest
// value in row-major window order (tfjs's maxPoolPositions); nothing for a window with no value above -Infinity.
export function maxPoolBackward(geom: usize, x: usize, dy: usize, dx: usize, counter: usize): void {
  const batch = g(geom, G_BATCH), inH = g(geom, G_IN_H), inW = g(geom, G_IN_W), C = g(geom, G_IN_C);
  const outH = g(geom, G_OUT_H), outW = g(geom, G_OUT_W), fH = g(geom, G_F_H), fW = g(geom, G_F_W);
  const sH = g(geom, G_STRIDE_H), sW = g(geom, G_STRIDE_W), padTop = g(geom, G_PAD_TOP), padLeft = g(geom, G_PAD_LEFT);
  const pixelBytes = <usize>C << 2;
  const imageBytes = <usize>inH * <usize>inW * pixelBytes;
  const negInf = f32x4.splat(-Infinity);
  // windows that never overlap and tile the whole image (2x2 stride 2 on an even size, say) cover each pixel
  // once: each is written, not added to, and nothing needs zeroing first
  const disjoint = sH >= fH && sW >= fW;
  const tiled = disjoint && sH == fH && sW == fW && padTop == 0 && padLeft == 0 && outH * fH == inH && outW * fW == inW;
  for (let b = nextUnit(counter); b < batch; b = nextUnit(counter)) {
    const image = x + <usize>b * imageBytes;
    const dImage = dx + <usize>b * imageBytes;
    if (!tiled) memory.fill(dImage, 0, imageBytes);
    let o = dy + <usize>b * <usize>outH * <usize>outW * pixelBytes;
    for (let oh = 0; oh < outH; oh++) {
      const r0 = oh * sH - padTop;
      const rMin = max(0, r0), rMax = min(inH, r0 + fH);
      for (let ow = 0; ow < outW; ow++) {
        const c0 = ow * sW - padLeft;
        const cMin = max(0, c0), cMax = min(inW, c0 + fW);
        let d = 0;
        for (; d + 4 <= C; d += 4) {
          const lane = <usize>d << 2;
          // best value and its window position per lane (-1: none yet)
          let best = negInf, at = i32x4.splat(-1), k = i32x4.splat(0);
          const one = i32x4.splat(1);
          for (let r = rMin; r < rMax; r++) {
            for (let c = cMin; c < cMax; c++) {
              const v = v128.load(image + (<usize>r * <usize>inW + <usize>c) * pixelBytes + lane);
              const wins = f32x4.gt(v, best);
              best = v128.bitselect(v, best, wins);
              at = v128.bitselect(k, at, wins);
              k = i32x4.add(k, one);
            }
          }
          const g4 = v128.load(o + lane);
          k = i32x4.splat(0);
          for (let r = rMin; r < rMax; r++) {
            for (let c = cMin; c < cMax; c++) {
              const p = dImage + (<usize>r * <usize>inW + <usize>c) * pixelBytes + lane;
              const share = v128.and(g4, i32x4.eq(at, k));
              v128.store(p, disjoint ? share : f32x4.add(v128.load(p), share));
              k = i32x4.add(k, one);
            }
          }
        }
        for (; d < C; d++) {
          const lane = <usize>d << 2;
          let best: f32 = -Infinity, at: usize = 0, found = false;
          for (let r = rMin; r < rMax; r++) {
            for (let c = cMin; c < cMax; c++) {
              const off = (<usize>r * <usize>inW + <usize>c) * pixelBytes + lane;
              const v = load<f32>(image + off);
              if (v > best) {
                best = v;
                at = off;
                found = true;
              }
            }
          }
          if (tiled) {
            // every pixel of the window is written: zeros but at the argmax
            for (let r = rMin; r < rMax; r++) {
              for (let c = cMin; c < cMax; c++) store<f32>(dImage + (<usize>r * <usize>inW + <usize>c) * pixelBytes + lane, 0);
            }
          }
          if (found) store<f32>(dImage + at, load<f32>(dImage + at) + load<f32>(o + lane));
        }
        o += pixelBytes;
      }
    }
  }
}
