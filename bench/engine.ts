// The engine against its targets (issue 3) and against tfjs's own backends, side by side in one run:
// SGEMM GFLOP/s (1 and 2 threads, 512^3); Keras MNIST CNN training images/s on the engine vs tfjs cpu;
// per-kernel GFLOP/s of that training step; Keras CNN inference (batch 1000, and one image's median
// latency) on the engine vs tfjs wasm (XNNPACK); small CNN and default CNN training images/s. Random inputs: speed does not
// depend on the pixels. Prints figures, asserts nothing.
// Usage: npm run bench -- engine [--json] [--quick] [--cpu-batches N (default 1; 0 skips tfjs cpu)]
//                               [--cpu-batch-size N (default 8)] [--threads N (default 2)]
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { availableParallelism, loadavg } from 'node:os';
import { ENGINE_BACKEND, disposeEngine, useEngine } from '../src/engine/index.ts';
import { setSpaceToDepth } from '../src/engine/kernels/conv2d_space_to_depth_impl.ts';
import { setWinograd4 } from '../src/engine/kernels/conv2d_winograd_impl.ts';
import { setFusedBatchNorm } from '../src/engine/layers_batch_norm.ts';
import { setFusedConv2DTraining } from '../src/engine/layers_conv2d.ts';
import { setFusedDropout } from '../src/engine/layers_dropout.ts';
import { buildModel } from '../src/model/index.ts';
import { makeTrainStep } from './models.ts';
import { recordKernels } from './profile.ts';
import { measure as measureSgemm } from './sgemm.ts';

interface Figure {
  name: string;
  value: number;
  unit: string;
  /** The same figure on tfjs's reference backend, measured in this run. */
  reference?: { backend: string; value: number };
  target?: string;
  met?: boolean;
  note?: string;
}

function flagValue(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const n = Number(args[i + 1]);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`${name} must be a whole number, got '${args[i + 1] ?? ''}'`);
    process.exit(2);
  }
  return n;
}

/** Images/s of `arch` training on the current backend: `warmup` steps, then at least `steps` and `seconds`. */
function trainingSpeed(arch: string, batch: number, warmup: number, steps: number, seconds: number): number {
  const train = makeTrainStep(arch, batch);
  try {
    for (let i = 0; i < warmup; i++) train.step();
    let done = 0;
    const start = performance.now();
    while (done < steps || performance.now() - start < seconds * 1000) {
      train.step();
      done++;
    }
    return (done * batch * 1000) / (performance.now() - start);
  } finally {
    train.dispose();
  }
}

/**
 * The default model's training step at batch 128 with one engine path on and off (`setPath`), alternating in
 * rounds of 2 steps so both see the same machine: images/s each way over `rounds` rounds.
 */
function trainingComparison(setPath: (on: boolean) => void, rounds: number): { offRate: number; onRate: number } {
  const batch = 128;
  const train = makeTrainStep('default', batch);
  const time = (on: boolean) => {
    setPath(on);
    const start = performance.now();
    train.step();
    train.step();
    return performance.now() - start;
  };
  try {
    time(true), time(false); // warm-up
    let off = 0, on = 0;
    for (let r = 0; r < rounds; r++) {
      on += time(true);
      off += time(false);
    }
    return { offRate: (2 * rounds * batch * 1000) / off, onRate: (2 * rounds * batch * 1000) / on };
  } finally {
    setPath(true);
    train.dispose();
  }
}

/** Inference of `model` on the current backend: images/s at batch 1000 and one image's median ms. */
function inferenceSpeed(model: tf.LayersModel, runs: number, latencyRuns: number): { imagesPerSecond: number; oneImageMs: number } {
  const big = tf.randomUniform([1000, 28, 28, 1], 0, 1, 'float32', 3);
  const one = tf.randomUniform([1, 28, 28, 1], 0, 1, 'float32', 4);
  // one model call per batch (tfjs-layers' predict would otherwise split it into batches of 32), read back
  // outside tf.tidy (which walks every element of a returned typed array)
  const predict = (x: tf.Tensor) => {
    const y = model.predict(x, { batchSize: x.shape[0] }) as tf.Tensor;
    const values = y.dataSync();
    y.dispose();
    return values;
  };
  try {
    predict(big); // moves the weights to this backend, packs them
    let start = performance.now();
    for (let i = 0; i < runs; i++) predict(big);
    const imagesPerSecond = (runs * 1000 * 1000) / (performance.now() - start);
    for (let i = 0; i < 5; i++) predict(one);
    const times: number[] = [];
    for (let i = 0; i < latencyRuns; i++) {
      start = performance.now();
      predict(one);
      times.push(performance.now() - start);
    }
    times.sort((p, q) => p - q);
    return { imagesPerSecond, oneImageMs: times[Math.floor(times.length / 2)] };
  } finally {
    tf.dispose([big, one]);
  }
}

/**
 * The default model's predict at batches of 1, 2 and 4 with one engine path on and off (`setPath`), alternating
 * in rounds of ~16 images so both see the same machine: total ms per call, the mean over `rounds` rounds.
 */
function pathComparison(setPath: (on: boolean) => void, rounds: number): { batch: number; offMs: number; onMs: number }[] {
  const model = buildModel('default', { seed: 1 });
  const results = [1, 2, 4].map((batch) => {
    const x = tf.randomUniform([batch, 28, 28, 1], 0, 1, 'float32', batch);
    const call = () => tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
    const calls = 16 / batch;
    const time = (on: boolean) => {
      setPath(on);
      const start = performance.now();
      for (let i = 0; i < calls; i++) call();
      return performance.now() - start;
    };
    for (let i = 0; i < 5; i++) time(true), time(false); // warm-up: caches the filters both ways
    let off = 0, on = 0;
    for (let r = 0; r < rounds; r++) {
      on += time(true);
      off += time(false);
    }
    x.dispose();
    return { batch, offMs: off / (rounds * calls), onMs: on / (rounds * calls) };
  });
  setPath(true);
  model.dispose();
  return results;
}

async function useTfjsWasm(): Promise<void> {
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
  setWasmPaths(`${dir}/`); // file paths: Node reads the .wasm from node_modules, nothing is fetched
  await tf.setBackend('wasm');
}

export async function main(args: string[]): Promise<void> {
  const json = args.includes('--json');
  const quick = args.includes('--quick');
  const cpuBatches = flagValue(args, '--cpu-batches', 1);
  const cpuBatchSize = Math.max(1, flagValue(args, '--cpu-batch-size', 8));
  const threads = Math.max(1, flagValue(args, '--threads', 2));
  const log = (line: string) => (json ? process.stderr : process.stdout).write(`${line}\n`);
  const figures: Figure[] = [];
  const info = await useEngine({ threads });
  // other processes' load skews every wall-clock figure here: say how busy the machine was
  const loadAverage = loadavg()[0];
  log(`engine: ${info.threads} thread(s), SIMD ${info.simd}${quick ? ' (quick run: fewer repetitions)' : ''}; ` +
    `machine load average ${loadAverage.toFixed(1)} on ${availableParallelism()} cores${loadAverage > 1 ? ' (busy: figures are pessimistic)' : ''}`);

  // SGEMM core, 512^3
  const sgemmSeconds = quick ? 0.3 : 1;
  const square = { name: 'square 512', M: 512, N: 512, K: 512 };
  const gemm1 = measureSgemm(square, 1, sgemmSeconds);
  const gemm2 = info.threads >= 2 ? measureSgemm(square, 2, sgemmSeconds) : NaN;
  figures.push({ name: 'SGEMM 512^3, 1 thread', value: gemm1, unit: 'GFLOP/s', target: '>= 25', met: gemm1 >= 25 });
  figures.push({ name: 'SGEMM 512^3, 2 threads', value: gemm2, unit: 'GFLOP/s', target: `>= 1.7x 1 thread (${(1.7 * gemm1).toFixed(1)})`, met: gemm2 >= 1.7 * gemm1, note: `${(gemm2 / gemm1).toFixed(2)}x` });

  // Keras CNN training on the engine, then per-kernel GFLOP/s of its step
  const kerasTrain = trainingSpeed('keras-cnn', 128, 2, quick ? 3 : 8, quick ? 0 : 5);
  const step = makeTrainStep('keras-cnn', 128);
  step.step();
  const { records, restore } = recordKernels(ENGINE_BACKEND, true);
  const profiledSteps = quick ? 1 : 3;
  for (let i = 0; i < profiledSteps; i++) step.step();
  restore();
  step.dispose();
  const kernelRows = [...records.values()]
    .filter((r) => r.flops > 0)
    .sort((p, q) => q.ms - p.ms)
    .map((r) => ({ kernel: r.kernel, shapes: [...r.shapes][0], msPerStep: r.ms / profiledSteps, gflops: r.flops / (r.ms * 1e6) }));

  // small CNN training
  const smallTrain = trainingSpeed('small-cnn', 128, 3, quick ? 10 : 30, quick ? 1 : 4);
  figures.push({ name: 'small CNN training, batch 128', value: smallTrain, unit: 'img/s', target: '>= 10,000', met: smallTrain >= 10000 });
  // the shipped architecture (no target in the issue): what `digits train` gets
  const defaultTrain = trainingSpeed('default', 128, 2, quick ? 3 : 8, quick ? 0 : 5);
  figures.push({ name: 'default CNN training, batch 128', value: defaultTrain, unit: 'img/s' });
  // its BatchNorm layers as one operation each (layers_batch_norm.ts) against tfjs's moments and FusedBatchNorm
  const batchNorm = trainingComparison(setFusedBatchNorm, quick ? 2 : 8);
  figures.push({
    name: 'default CNN training, BatchNorm as one op', value: batchNorm.onRate, unit: 'img/s',
    reference: { backend: "tfjs's BatchNorm ops", value: batchNorm.offRate },
    note: `${(batchNorm.onRate / batchNorm.offRate).toFixed(2)}x tfjs's BatchNorm ops' rate`,
  });
  // its conv layers' bias and relu in the convolution (layers_conv2d.ts) against tfjs's conv, Add and Relu ops
  const convBiasRelu = trainingComparison(setFusedConv2DTraining, quick ? 2 : 8);
  figures.push({
    name: 'default CNN training, conv layers as one op', value: convBiasRelu.onRate, unit: 'img/s',
    reference: { backend: "tfjs's conv, Add and Relu ops", value: convBiasRelu.offRate },
    note: `${(convBiasRelu.onRate / convBiasRelu.offRate).toFixed(2)}x tfjs's ops' rate`,
  });
  // its dropout layers' masks drawn in wasm (layers_dropout.ts) against tfjs's mask in JavaScript and four ops
  const dropout = trainingComparison(setFusedDropout, quick ? 2 : 8);
  figures.push({
    name: 'default CNN training, dropout as one op', value: dropout.onRate, unit: 'img/s',
    reference: { backend: "tfjs's dropout ops", value: dropout.offRate },
    note: `${(dropout.onRate / dropout.offRate).toFixed(2)}x tfjs's ops' rate`,
  });

  // inference: engine, then tfjs wasm on the same model (weights move across)
  const model = buildModel('keras-cnn', { seed: 1 });
  const runs = quick ? 2 : 5, latencyRuns = quick ? 30 : 200;
  const engineInfer = inferenceSpeed(model, runs, latencyRuns);
  let wasmInfer: { imagesPerSecond: number; oneImageMs: number } | null = null;
  try {
    await useTfjsWasm();
    wasmInfer = inferenceSpeed(model, runs, latencyRuns);
  } catch (error) {
    log(`tfjs wasm backend unavailable: ${(error as Error).message}`);
  }
  await tf.setBackend(ENGINE_BACKEND);
  model.dispose();
  figures.push({
    name: 'Keras CNN inference, batch 1000', value: engineInfer.imagesPerSecond, unit: 'img/s',
    reference: wasmInfer ? { backend: 'tfjs wasm', value: wasmInfer.imagesPerSecond } : undefined,
    target: '>= 2,500 and ahead of tfjs wasm',
    met: engineInfer.imagesPerSecond >= 2500 && (!wasmInfer || engineInfer.imagesPerSecond > wasmInfer.imagesPerSecond),
  });
  figures.push({
    name: 'Keras CNN inference, one image (median)', value: engineInfer.oneImageMs, unit: 'ms',
    reference: wasmInfer ? { backend: 'tfjs wasm', value: wasmInfer.oneImageMs } : undefined,
    target: '<= 0.5 and ahead of tfjs wasm',
    met: engineInfer.oneImageMs <= 0.5 && (!wasmInfer || engineInfer.oneImageMs < wasmInfer.oneImageMs),
  });

  // the default model reading digits: its 3x3 convolutions by F(4x4,3x3) against F(2x2,3x3), and its strided
  // 5x5 ones by space to depth against im2col
  for (const { batch, offMs, onMs } of pathComparison(setWinograd4, quick ? 20 : 100)) {
    figures.push({
      name: `default CNN, 3x3 by F(4x4,3x3), batch ${batch}`, value: onMs / batch, unit: 'ms/img',
      reference: { backend: 'F(2x2,3x3) Winograd', value: offMs / batch },
      note: `${(onMs / offMs).toFixed(2)}x F(2x2,3x3)'s time`,
    });
  }
  for (const { batch, offMs, onMs } of pathComparison(setSpaceToDepth, quick ? 20 : 100)) {
    figures.push({
      name: `default CNN, 5x5 by space to depth, batch ${batch}`, value: onMs / batch, unit: 'ms/img',
      reference: { backend: 'im2col for the 5x5', value: offMs / batch },
      note: `${(onMs / offMs).toFixed(2)}x im2col's time`,
    });
  }

  // tfjs cpu training: minutes per batch of 128, so a few small batches, scaled to images/s
  let cpuTrain = NaN;
  if (cpuBatches > 0) {
    await tf.setBackend('cpu');
    (tf.backend() as unknown as { firstUse: boolean }).firstUse = false; // no "install tfjs-node" banner mid-table
    log(`measuring tfjs cpu training: ${cpuBatches} batch(es) of ${cpuBatchSize} (about 2-4 s per image)...`);
    cpuTrain = trainingSpeed('keras-cnn', cpuBatchSize, 0, cpuBatches, 0);
    await tf.setBackend(ENGINE_BACKEND);
  }
  const ratio = kerasTrain / cpuTrain;
  figures.splice(2, 0, {
    name: 'Keras CNN training, batch 128', value: kerasTrain, unit: 'img/s',
    reference: cpuBatches > 0 ? { backend: `tfjs cpu (batch ${cpuBatchSize} x ${cpuBatches}, no warm-up)`, value: cpuTrain } : undefined,
    target: '>= 700 and >= 100x tfjs cpu',
    met: kerasTrain >= 700 && (cpuBatches === 0 || ratio >= 100),
    note: cpuBatches > 0 ? `${ratio.toFixed(0)}x tfjs cpu` : 'tfjs cpu skipped (--cpu-batches 0)',
  });
  await disposeEngine();

  if (json) {
    console.log(JSON.stringify({ bench: 'engine', threads: info.threads, quick, loadAverage, figures, kernels: kernelRows }, null, 2));
    return;
  }
  const fmt = (v: number) => (Number.isNaN(v) ? '-' : v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toFixed(3));
  console.log(`\n${'figure'.padEnd(42)}${'engine'.padStart(10)} ${'unit'.padEnd(8)}${'reference'.padStart(10)}  ${'target'.padEnd(34)} met`);
  for (const f of figures) {
    console.log(`${f.name.padEnd(42)}${fmt(f.value).padStart(10)} ${f.unit.padEnd(8)}${(f.reference ? fmt(f.reference.value) : '').padStart(10)}  ` +
      `${(f.target ?? '').padEnd(34)} ${f.met === undefined ? '' : f.met ? 'yes' : 'NO'}${f.reference ? `  [reference: ${f.reference.backend}]` : ''}${f.note ? `  ${f.note}` : ''}`);
  }
  console.log(`\nKeras CNN training step (batch 128) on the engine, per kernel and shape:`);
  console.log(`${'kernel'.padEnd(22)}${'ms/step'.padStart(9)}${'GFLOP/s'.padStart(9)}  inputs`);
  for (const r of kernelRows) console.log(`${r.kernel.split(' ')[0].padEnd(22)}${r.msPerStep.toFixed(1).padStart(9)}${r.gflops.toFixed(1).padStart(9)}  ${r.shapes}`);
}
