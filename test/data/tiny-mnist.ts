// Tiny MNIST stand-ins for tests: a few random 28x28 images and labels, with specs whose sums match them,
// so the find/verify/download paths run in milliseconds without the real files.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { encodeIdx, sha256Hex } from '../../src/data/index.ts';
import type { IdxImages, IdxLabels, MnistFileSpec, MnistSplit } from '../../src/data/index.ts';

export interface TinySplit {
  images: IdxImages;
  labels: IdxLabels;
  specs: MnistFileSpec[];
}

/** Deterministic pseudo-random bytes (a small LCG), so failures reproduce. */
function bytesFrom(seed: number, length: number, modulo: number): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = (state >>> 24) % modulo;
  }
  return out;
}

export function tinySplit(split: MnistSplit, count = 3, seed = 1): TinySplit {
  const prefix = split === 'train' ? 'train' : 't10k';
  const images: IdxImages = { kind: 'images', count, rows: 28, cols: 28, data: bytesFrom(seed, count * 28 * 28, 256) };
  const labels: IdxLabels = { kind: 'labels', count, data: bytesFrom(seed + 1, count, 10) };
  const spec = (name: string, idx: IdxImages | IdxLabels): MnistFileSpec => {
    const raw = encodeIdx(idx);
    return { name, split, kind: idx.kind, count, sha256: sha256Hex(raw), bytes: raw.length };
  };
  return { images, labels, specs: [spec(`${prefix}-images-idx3-ubyte`, images), spec(`${prefix}-labels-idx1-ubyte`, labels)] };
}

/** A fresh temp folder, removed when the test ends. */
export async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'digits-data-test-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
