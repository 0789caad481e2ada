// The SGEMM core, called directly, against a plain triple loop in float64.
import test from 'node:test';
import assert from 'node:assert/strict';
import { useEngine } from '../../src/engine/index.ts';
import { engineRuntime } from '../../src/engine/runtime.ts';

function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

// c (M,N) = op(a) (M,K) * op(b) (K,N) (+ c0), with op = transpose when the flag is set
function referenceGemm(M: number, N: number, K: number, a: Float32Array, ta: boolean, b: Float32Array, tb: boolean, c0: Float32Array | null): Float64Array {
  const c = new Float64Array(M * N);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let sum = c0 ? c0[m * N + n] : 0;
      for (let k = 0; k < K; k++) sum += (ta ? a[k * M + m] : a[m * K + k]) * (tb ? b[n * K + k] : b[k * N + n]);
      c[m * N + n] = sum;
    }
  }
  return c;
}

function engineGemm(M: number, N: number, K: number, a: Float32Array, ta: boolean, b: Float32Array, tb: boolean, c0: Float32Array | null): Float32Array {
  const { arena, exports } = engineRuntime();
  arena.reset();
  const aPtr = arena.allocCopy(a);
  const bPtr = arena.allocCopy(b);
  const cPtr = c0 ? arena.allocCopy(c0) : arena.alloc(M * N * 4);
  const packed = arena.alloc(exports.packedBFloats(K, N) * 4);
  const scratch = arena.alloc(exports.gemmScratchFloats() * 4);
  exports.sgemm(M, N, K, aPtr, ta ? 1 : K, ta ? M : 1, bPtr, tb ? 1 : N, tb ? K : 1, cPtr, N, c0 ? 1 : 0, packed, scratch);
  const out = arena.f32(cPtr, M * N).slice();
  arena.reset();
  return out;
}

function assertClose(actual: Float32Array, expected: Float64Array, K: number): void {
  assert.equal(actual.length, expected.length);
  // float32 sums of K products: error grows with K
  const tolerance = 1e-6 * Math.max(1, K);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance, `element ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

const shapes: [number, number, number][] = [
  [1, 1, 1],
  [7, 13, 5],
  [65, 33, 129],
  [4, 8, 300], // deeper than one packed block
  [130, 1030, 9], // wider than one macro block
  [1, 37, 300], // one row (a batch of one)
  [5, 19, 23], // a last tile of one row
];

test('sgemm equals a plain triple loop on odd sizes with every transpose', async () => {
  await useEngine({ threads: 1 });
  const random = seededRandom(1);
  for (const [M, N, K] of shapes) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        const a = Float32Array.from({ length: M * K }, random);
        const b = Float32Array.from({ length: K * N }, random);
        assertClose(engineGemm(M, N, K, a, ta, b, tb, null), referenceGemm(M, N, K, a, ta, b, tb, null), K);
      }
    }
  }
});

test('sgemm accumulates into C when asked', async () => {
  await useEngine({ threads: 1 });
  const random = seededRandom(2);
  const [M, N, K] = [9, 17, 11];
  const a = Float32Array.from({ length: M * K }, random);
  const b = Float32Array.from({ length: K * N }, random);
  const c0 = Float32Array.from({ length: M * N }, random);
  assertClose(engineGemm(M, N, K, a, false, b, false, c0), referenceGemm(M, N, K, a, false, b, false, c0), K);
});

test('sgemm with K = 0 gives zeros', async () => {
  await useEngine({ threads: 1 });
  const out = engineGemm(3, 5, 0, new Float32Array(0), false, new Float32Array(0), false, null);
  assert.deepEqual(Array.from(out), new Array(15).fill(0));
});
