// Shared by the convolution kernels: the geometry block the wasm passes read (asm/conv.ts) and tile sizing.
import type { backend_util } from '@tensorflow/tfjs-core';
import type { EngineRuntime } from '../runtime.ts';

const GEOMETRY_WORDS = 15;

/** Writes convInfo (from backend_util.computeConv2DInfo) as the i32 geometry block; returns its offset. */
export function writeGeometry(rt: EngineRuntime, info: backend_util.Conv2DInfo): number {
  const ptr = rt.arena.alloc(GEOMETRY_WORDS * 4);
  rt.arena.i32(ptr, GEOMETRY_WORDS).set([
    info.batchSize, info.inHeight, info.inWidth, info.inChannels,
    info.outHeight, info.outWidth, info.outChannels,
    info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth,
    info.dilationHeight, info.dilationWidth, info.padInfo.top, info.padInfo.left,
  ]);
  return ptr;
}

// An im2col tile of about this many floats stays in L2 next to the packed filter.
const TILE_FLOATS = 32768;

/** Output pixels per im2col tile for a filter of K = fH*fW*inC: a multiple of 4, 16 to 1024. */
export function tilePixels(K: number): number {
  return Math.max(16, Math.min(1024, Math.floor(TILE_FLOATS / K / 4) * 4));
}

/**
 * Tiles of at most maxP pixels (a multiple of 4) that share `pixels` evenly between `threads`: a whole number
 * of equal tiles per thread. One image (576 pixels of the Keras CNN's second conv, tiles of 112) otherwise
 * leaves a short sixth tile and one thread with half as much work again as the other.
 */
export function evenTilePixels(pixels: number, maxP: number, threads: number): number {
  const tiles = Math.ceil(Math.ceil(pixels / maxP) / threads) * threads;
  return Math.max(4, Math.ceil(pixels / tiles / 4) * 4);
}

/** Per-thread scratch for conv passes: returns [base, stride] in bytes for `threads` threads. */
export function allocConvScratch(rt: EngineRuntime, K: number, outC: number, tileP: number, threads: number): [number, number] {
  const stride = Math.ceil((rt.exports.convScratchFloats(K, outC, tileP) * 4) / 64) * 64;
  return [rt.arena.alloc(stride * threads), stride];
}

export function isChannelsLast(info: backend_util.Conv2DInfo): boolean {
  return info.dataFormat === 'channelsLast';
}
