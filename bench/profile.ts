// Where a training step's time goes, per TensorFlow.js kernel, on one backend: the kernel registry's
// functions for that backend are wrapped to record name, calls, self time (nested kernel calls excluded)
// and FLOPs where known (convolutions and matmuls), over a few steps after a warm-up step.
// With --inference: one image's model.predict instead (the latency bench/engine.ts reports), per kernel.
// Usage: npm run bench -- profile [--arch keras-cnn|small-cnn|default] [--backend cpu|digits-engine]
//                                 [--batch N] [--steps N] [--threads N] [--cpu-time] [--batch-norm] [--json]
//        (--batch-norm: the architecture with a BatchNorm layer after each convolution, bench/models.ts's withBatchNorm)
//        npm run bench -- profile --inference [--arch A] [--backend B] [--threads N] [--runs N (default 1000)] [--json]
import * as tf from '@tensorflow/tfjs';
import { getKernelsForBackend } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { ENGINE_BACKEND, useEngine, disposeEngine } from '../src/engine/index.ts';
import { makeTrainStep } from './models.ts';
import { buildModel } from '../src/model/index.ts';

export interface KernelRecord {
  kernel: string;
  calls: number;
  ms: number;
  flops: number;
  shapes: Set<string>;
}

type KernelArgs = { inputs: Record<string, TensorInfo>; attrs?: Record<string, unknown> };

const size = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1);

/** Multiply-adds x2 of the kernels whose cost is not their element count; 0 when unknown. */
export function kernelFlops(name: string, args: KernelArgs, outputs: TensorInfo[]): number {
  const { inputs } = args;
  const out = outputs[0]?.shape ?? [];
  switch (name) {
    case 'Conv2D':
    case 'FusedConv2D': {
      const f = inputs.filter.shape; // (fH,fW,inC,outC)
      return 2 * size(out) * f[0] * f[1] * f[2];
    }
    case 'Conv2DBackpropInput': {
      const f = inputs.filter.shape;
      return 2 * size(inputs.dy.shape) * f[0] * f[1] * f[2];
    }
    case 'Conv2DBackpropFilter': {
      const f = out; // dW (fH,fW,inC,outC)
      return 2 * size(inputs.dy.shape) * f[0] * f[1] * f[2];
    }
    case 'BatchMatMul':
    case '_FusedMatMul': {
      const a = inputs.a.shape;
      const transposeA = Boolean(args.attrs?.transposeA);
      const K = transposeA ? a[a.length - 2] : a[a.length - 1];
      return 2 * size(out) * K;
    }
    default:
      return 0;
  }
}

/**
 * Wraps every kernel registered for `backendName`; returns the records (one per kernel, or per kernel and
 * input shapes with `byShape`) and a function undoing it.
 */
export function recordKernels(
  backendName: string, byShape = false, clock: () => number = () => performance.now(),
): { records: Map<string, KernelRecord>; restore: () => void } {
  const records = new Map<string, KernelRecord>();
  const originals: [KernelConfig, KernelFunc][] = [];
  let nestedMs = 0; // time of kernels called from inside the kernel being timed
  for (const config of getKernelsForBackend(backendName)) {
    const inner = config.kernelFunc;
    originals.push([config, inner]);
    config.kernelFunc = ((args: KernelArgs) => {
      const outerNested = nestedMs;
      nestedMs = 0;
      const start = clock();
      const result = (inner as (a: KernelArgs) => TensorInfo | TensorInfo[])(args);
      const total = clock() - start;
      const self = total - nestedMs;
      nestedMs = outerNested + total;
      const outputs = Array.isArray(result) ? result : [result];
      const shapes = Object.values(args.inputs).map((t) => `[${t?.shape ?? ''}]`).join('');
      const key = byShape ? `${config.kernelName} ${shapes}` : config.kernelName;
      let record = records.get(key);
      if (!record) records.set(key, (record = { kernel: config.kernelName, calls: 0, ms: 0, flops: 0, shapes: new Set() }));
      record.calls++;
      record.ms += self;
      record.flops += kernelFlops(config.kernelName, args, outputs);
      if (record.shapes.size < 4) record.shapes.add(shapes);
      return result;
    }) as KernelFunc;
  }
  return {
    records,
    restore: () => originals.forEach(([config, inner]) => (config.kernelFunc = inner)),
  };
}

function flag(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
}

function positiveInt(text: string, name: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`${name} must be a positive integer, got '${text}'`);
    process.exit(2);
  }
  return n;
}

/** One image's model.predict (as bench/engine.ts times it), per kernel: median and min over `runs` calls. */
async function profileInference(arch: string, backend: string, runs: number, json: boolean): Promise<void> {
  const model = buildModel(arch, { seed: 1 });
  const one = tf.randomUniform([1, 28, 28, 1], 0, 1, 'float32', 4);
  const predict = () => {
    const y = model.predict(one, { batchSize: 1 }) as tf.Tensor;
    y.dataSync();
    y.dispose();
  };
  for (let i = 0; i < 50; i++) predict(); // moves and packs the weights, wakes the workers
  const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)];
  const plain: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    predict();
    plain.push(performance.now() - start);
  }
  // then again with every kernel timed (wrapping them costs a little: the plain median is the figure)
  const perCall = new Map<string, number[]>();
  const originals: [KernelConfig, KernelFunc][] = [];
  for (const config of getKernelsForBackend(backend)) {
    const inner = config.kernelFunc;
    originals.push([config, inner]);
    config.kernelFunc = ((kernelArgs: KernelArgs) => {
      const start = performance.now();
      const result = (inner as (a: KernelArgs) => TensorInfo | TensorInfo[])(kernelArgs);
      const ms = performance.now() - start;
      const key = `${config.kernelName} ${Object.values(kernelArgs.inputs).map((t) => `[${t?.shape ?? ''}]`).join('')}`;
      let times = perCall.get(key);
      if (!times) perCall.set(key, (times = []));
      times.push(ms);
      return result;
    }) as KernelFunc;
  }
  const timed: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    predict();
    timed.push(performance.now() - start);
  }
  originals.forEach(([config, inner]) => (config.kernelFunc = inner));
  model.dispose();
  one.dispose();
  const rows = [...perCall].map(([key, times]) => ({ kernel: key, medianUs: median(times) * 1000, minUs: Math.min(...times) * 1000 }))
    .sort((p, q) => q.medianUs - p.medianUs);
  const kernelsUs = rows.reduce((sum, r) => sum + r.medianUs, 0);
  const result = { arch, backend, runs, medianMs: median(plain), timedMedianMs: median(timed), kernelsMs: kernelsUs / 1000, kernels: rows };
  if (json) {
    console.log(JSON.stringify(result, null, 2));
    return;
  }
  console.log(`${arch}, one image (model.predict + dataSync), backend ${backend}: median ${result.medianMs.toFixed(3)} ms over ${runs} calls; ` +
    `with kernels timed ${result.timedMedianMs.toFixed(3)} ms, of which kernels ${result.kernelsMs.toFixed(3)} ms (sum of medians), ` +
    `outside kernels ${(result.timedMedianMs - result.kernelsMs).toFixed(3)} ms`);
  console.log(`${'median us'.padStart(10)}${'min us'.padStart(9)}  kernel (input shapes)`);
  for (const r of rows.filter((r) => r.medianUs >= 0.5)) console.log(`${r.medianUs.toFixed(1).padStart(10)}${r.minUs.toFixed(1).padStart(9)}  ${r.kernel}`);
}

export async function main(args: string[]): Promise<void> {
  const arch = flag(args, '--arch', 'keras-cnn');
  const backend = flag(args, '--backend', ENGINE_BACKEND);
  const batch = positiveInt(flag(args, '--batch', backend === 'cpu' ? '8' : '128'), '--batch');
  const steps = positiveInt(flag(args, '--steps', backend === 'cpu' ? '1' : '5'), '--steps');
  const json = args.includes('--json');
  if (backend === ENGINE_BACKEND) {
    const threadsText = flag(args, '--threads', '');
    await useEngine(threadsText ? { threads: positiveInt(threadsText, '--threads') } : {});
  } else if (backend === 'cpu') {
    await tf.setBackend('cpu');
  } else {
    console.error(`--backend must be cpu or ${ENGINE_BACKEND}, got '${backend}'`);
    process.exit(2);
  }

  if (args.includes('--inference')) {
    await profileInference(arch, backend, positiveInt(flag(args, '--runs', backend === 'cpu' ? '20' : '1000'), '--runs'), json);
    if (backend === ENGINE_BACKEND) await disposeEngine();
    return;
  }

  const batchNorm = args.includes('--batch-norm');
  const train = makeTrainStep(arch, batch, 1, { batchNorm });
  train.step(); // warm-up: builds the optimizer's slots, packs caches
  // --cpu-time: this process's CPU time instead of the wall clock, which a busy machine inflates at random;
  // meaningful per kernel with --threads 1 (worker threads' time would count too)
  const cpuTime = args.includes('--cpu-time');
  const clock = cpuTime ? () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; } : () => performance.now();
  const { records, restore } = recordKernels(backend, false, clock);
  const start = clock();
  for (let s = 0; s < steps; s++) train.step();
  const wallMs = (clock() - start) / steps;
  restore();
  train.dispose();

  const rows = [...records.values()].sort((p, q) => q.ms - p.ms);
  const kernelMs = rows.reduce((sum, r) => sum + r.ms, 0) / steps;
  const table = rows.map((r) => ({
    kernel: r.kernel,
    calls: r.calls / steps,
    ms: r.ms / steps,
    percent: (100 * r.ms) / steps / wallMs,
    gflops: r.flops > 0 ? r.flops / (r.ms * 1e6) : null,
    shapes: [...r.shapes],
  }));
  if (json) {
    console.log(JSON.stringify({ arch, batchNorm, backend, batch, steps, clock: cpuTime ? 'cpu' : 'wall', stepMs: wallMs, kernelMs, imagesPerSecond: (batch * 1000) / wallMs, kernels: table }, null, 2));
  } else {
    console.log(`${arch}${batchNorm ? ' + BatchNorm after each conv' : ''} training step, batch ${batch}, backend ${backend}: ${wallMs.toFixed(1)} ms${cpuTime ? ' CPU' : ''}/step ` +
      `(${((batch * 1000) / wallMs).toFixed(1)} img/s), kernels ${kernelMs.toFixed(1)} ms, outside kernels ${(wallMs - kernelMs).toFixed(1)} ms; mean of ${steps} step(s)`);
    console.log(`${'kernel'.padEnd(26)}${'calls'.padStart(7)}${'ms'.padStart(10)}${'%'.padStart(7)}${'GFLOP/s'.padStart(9)}  shapes (inputs)`);
    for (const r of table) {
      console.log(`${r.kernel.padEnd(26)}${String(r.calls).padStart(7)}${r.ms.toFixed(2).padStart(10)}${r.percent.toFixed(1).padStart(7)}` +
        `${(r.gflops === null ? '' : r.gflops.toFixed(1)).padStart(9)}  ${r.shapes.slice(0, 2).join(' ')}`);
    }
  }
  if (backend === ENGINE_BACKEND) await disposeEngine();
}
