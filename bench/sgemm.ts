// SGEMM GFLOP/s of the engine's wasm core on 1 and 2 threads, side by side, for 512^3 and the GEMM shapes a
// training step of the Keras MNIST CNN (batch 128) runs. Calls the core directly (no tensor copies).
// Usage: npm run bench -- sgemm [--json] [--seconds S]
import { useEngine, disposeEngine } from '../src/engine/index.ts';
import { TASK_PACK_B, engineRuntime, runEngineTask, runGemmTask } from '../src/engine/runtime.ts';

export interface Shape {
  name: string;
  M: number;
  N: number;
  K: number;
  transA?: boolean;
}

const shapes: Shape[] = [
  { name: 'square 512', M: 512, N: 512, K: 512 },
  { name: 'square 1024', M: 1024, N: 1024, K: 1024 },
  { name: 'conv1 fwd tile (P,9)x(9,32)', M: 1024, N: 32, K: 9 },
  { name: 'conv2 fwd tile (P,288)x(288,64)', M: 112, N: 64, K: 288 },
  { name: 'conv2 fwd batch (73728,288)x(288,64)', M: 73728, N: 64, K: 288 },
  { name: 'conv2 dW (288,73728)x(73728,64)', M: 288, N: 64, K: 73728, transA: true },
  { name: 'conv2 dx (73728,64)x(64,288)', M: 73728, N: 288, K: 64 },
  { name: 'dense1 fwd (128,9216)x(9216,256)', M: 128, N: 256, K: 9216 },
  { name: 'dense1 dW (9216,128)x(128,256)', M: 9216, N: 256, K: 128, transA: true },
  { name: 'dense1 dx (128,256)x(256,9216)', M: 128, N: 9216, K: 256 },
];

export function measure(shape: Shape, threads: number, seconds: number): number {
  const rt = engineRuntime();
  const { arena, exports } = rt;
  const { M, N, K } = shape;
  arena.reset();
  const a = arena.alloc(M * K * 4);
  const b = arena.alloc(K * N * 4);
  const c = arena.alloc(M * N * 4);
  arena.f32(a, M * K).fill(0.5);
  arena.f32(b, K * N).fill(0.25);
  const packed = arena.alloc(exports.packedBFloats(K, N) * 4);
  const stride = exports.gemmScratchFloats() * 4;
  const scratch = arena.alloc(stride * threads);
  const rsA = shape.transA ? 1 : K, csA = shape.transA ? M : 1;
  const once = () => {
    runEngineTask(rt, TASK_PACK_B, [K, N, b, N, 1, packed], threads);
    runGemmTask(rt, M, N, K, a, rsA, csA, packed, c, N, false, scratch, stride, threads);
  };
  once();
  let runs = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < seconds * 1000) {
    once();
    runs++;
    elapsed = performance.now() - start;
  }
  arena.reset();
  return (2 * M * N * K * runs) / (elapsed / 1000) / 1e9;
}

export async function main(args: string[]): Promise<void> {
  const json = args.includes('--json');
  const secondsFlag = args.indexOf('--seconds');
  const seconds = secondsFlag >= 0 ? Number(args[secondsFlag + 1]) : 0.5;
  const info = await useEngine({ threads: 2 });
  const rows = shapes.map((shape) => {
    const one = measure(shape, 1, seconds);
    const two = info.threads >= 2 ? measure(shape, 2, seconds) : NaN;
    return { shape: shape.name, M: shape.M, N: shape.N, K: shape.K, gflops1: one, gflops2: two, speedup: two / one };
  });
  await disposeEngine();
  if (json) {
    console.log(JSON.stringify({ bench: 'sgemm', threads: info.threads, rows }, null, 2));
    return;
  }
  console.log('SGEMM GFLOP/s (engine wasm SIMD core, B packing included)');
  console.log(`${'shape'.padEnd(40)} ${'1 thread'.padStart(9)} ${'2 threads'.padStart(10)} ${'speedup'.padStart(8)}`);
  for (const r of rows) {
    console.log(`${r.shape.padEnd(40)} ${r.gflops1.toFixed(1).padStart(9)} ${r.gflops2.toFixed(1).padStart(10)} ${r.speedup.toFixed(2).padStart(7)}x`);
  }
}
