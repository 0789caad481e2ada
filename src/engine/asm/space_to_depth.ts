// Stride-2 convolutions with filters of up to 6x6 as 3x3 stride-1 ones, so that they take the Winograd path:
// "space to depth" turns each 2x2 block of input pixels into one pixel of 4x the channels, and the filter is
// split the same way into a 3x3 filter over those channels (taps past the filter's edge are 0):
//   y[o] = sum_{i<fH, j<fW} x[2o - pad + (i,j)] f[i,j] = sum_{u,v<3} X[o + (u,v)] g[u,v]   ('valid', stride 1)
//   X[r][c][(a,b,ch)] = x[2r+a-padTop][2c+b-padLeft][ch],   g[u][v][(a,b,ch)] = f[2u+a][2v+b][ch],  a,b in {0,1}.
// A 5x5 filter's 25 multiplies per output pixel and channel pair become Winograd's 36 / 2.25 = 16.

// Geometry block of asm/conv.ts (i32 words), of the stride-2 convolution
const G_BATCH = 0, G_IN_H = 1, G_IN_W = 2, G_IN_C = 3, G_OUT_H = 4, G_OUT_W = 5;
const G_PAD_TOP = 13, G_PAD_LEFT = 14;

// @ts-ignore: decorator
@inline function g(geom: usize, i: i32): i32 {
  return load<i32>(geom + (<usize>i << 2));
}

// Copies n floats, four at a time (n % 4 == 0).
// @ts-ignore: decorator
@inline function copyQuads(dst: usize, src: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
}

/** X (N, outH+2, outW+2, 4*inC) of x (N,H,W,inC) as above; inC % 4 == 0. */
export function spaceToDepthInput(geom: usize, x: usize, dst: usize): void {
  const N = g(geom, G_BATCH), inH = g(geom, G_IN_H), inW = g(geom, G_IN_W), inC = g(geom, G_IN_C);
  const rows = g(geom, G_OUT_H) + 2, cols = g(geom, G_OUT_W) + 2;
  const padTop = g(geom, G_PAD_TOP), padLeft = g(geom, G_PAD_LEFT);
  const pixelBytes = <usize>inC << 2;
  let d = dst;
  for (let b = 0; b < N; b++) {
    const image = x + <usize>b * <usize>inH * <usize>inW * pixelBytes;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        for (let a = 0; a < 2; a++) {
          const ih = 2 * r + a - padTop;
          for (let e = 0; e < 2; e++) {
            const iw = 2 * c + e - padLeft;
            if (ih < 0 || ih >= inH || iw < 0 || iw >= inW) memory.fill(d, 0, pixelBytes);
            else copyQuads(d, image + (<usize>ih * <usize>inW + <usize>iw) * pixelBytes, inC);
            d += pixelBytes;
          }
        }
      }
    }
  }
}

/** g (3,3,4*inC,outC) of f (fH,fW,inC,outC) as above; fH, fW <= 6, inC * outC % 4 == 0. */
export function spaceToDepthFilter(f: usize, fH: i32, fW: i32, inC: i32, outC: i32, dst: usize): void {
  const block = inC * outC; // floats of one tap, contiguous in both layouts
  const blockBytes = <usize>block << 2;
  let d = dst;
  for (let u = 0; u < 3; u++) {
    for (let v = 0; v < 3; v++) {
      for (let a = 0; a < 2; a++) {
        for (let e = 0; e < 2; e++) {
          const i = 2 * u + a, j = 2 * v + e;
          if (i < fH && j < fW) copyQuads(d, f + <usize>(i * fW + j) * blockBytes, block);
          else memory.fill(d, 0, blockBytes);
          d += blockBytes;
        }
      }
    }
  }
}
