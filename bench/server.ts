// Load test of the HTTP API on loopback: `npm run bench -- server [--seconds 10] [--connections 16] [--size 64]`
// posts 100 different single-digit PNGs (size x size pixels) in turn with autocannon and prints requests/s, p50/p99
// latency, the server's and the load generator's CPU per request, how busy its event loop was (the thread that
// does HTTP and runs the model; near 100% it is the bottleneck, else the image workers are), the model's batch
// sizes, and the server's RSS and TensorFlow.js tensor count before and after. On a shared machine run it under `setsid`: Linux gives each session
// an equal share of the CPU whatever its nice value, so other sessions' niced jobs would otherwise take their share.
// `--requests 100000` sends that many instead, in 5 rounds, printing memory after each: it should stay flat.
// `--fake-model` answers without a model (HTTP + decoding + vision only); `--processes N`, `--image-workers N` and
// `--engine-threads N` split the cores as `digits serve --processes N --image-workers N --threads N` does, with
// the same defaults. `--cpu-prof DIR` writes the server's CPU profiles (every thread of every process) there.
// `--profile` instead times each stage of a request on this thread (decode with sharp and with the small-PNG path,
// find ink, segment, preprocess, all vision, the model at batches of 1 to 32, JSON): where a request's time goes.
// The server runs in a child process (its own event loop, as in production; it reports its memory, tensor count,
// CPU time and model batch sizes over IPC; with --processes N it is the primary of N server processes and sums
// theirs), and autocannon fires from this one.
import { fork } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import type { ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { memory } from '@tensorflow/tfjs-core';
import {
  createServer,
  defaultEngineThreads,
  defaultImageWorkers,
  defaultModelDir,
  defaultProcesses,
  isServerProcess,
  reportListening,
  roundReading,
  startServerProcesses,
} from '../src/server/index.ts';
import { decodeImage } from '../src/image/index.ts';
import { recognize, classifyWithEvidence } from '../src/recognize/index.ts';
import type { DigitClassifier } from '../src/recognize/types.ts';
import { digitStrokes, drawStrokes, findInk, jitterStrokes, preprocessDigit, seededRandom, segmentLine } from '../src/vision/index.ts';
import type { InkMap, Strokes } from '../src/vision/index.ts';
import sharp from 'sharp';

interface Figures {
  requests: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}

export async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      seconds: { type: 'string', default: '10' },
      size: { type: 'string', default: '64' },
      processes: { type: 'string', default: String(defaultProcesses()) },
      'image-workers': { type: 'string' },
      'engine-threads': { type: 'string' },
      connections: { type: 'string', default: '16' },
      requests: { type: 'string' },
      model: { type: 'string', default: defaultModelDir() },
      'fake-model': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      'server-process': { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
    },
  });
  const seconds = boundedInt('--seconds', values.seconds, 1, 600);
  const connections = boundedInt('--connections', values.connections, 1, 1000);
  const size = boundedInt('--size', values.size, 16, 2000);
  const processes = boundedInt('--processes', values.processes, 1, 64);
  // as `digits serve` does by default
  const imageWorkers = boundedInt('--image-workers', values['image-workers'] ?? String(defaultImageWorkers(processes)), 0, 64);
  const engineThreads = boundedInt('--engine-threads', values['engine-threads'] ?? String(defaultEngineThreads(processes, imageWorkers)), 1, 256);
  if (values['server-process']) {
    if (processes > 1 && !isServerProcess()) return primaryForBenchmark(processes);
    return serveForBenchmark(values['fake-model'] ? null : values.model, imageWorkers, engineThreads);
  }
  if (values.profile) return profileStages(size, values['fake-model'] ? null : values.model, engineThreads);
  const requests = values.requests === undefined ? undefined : boundedInt('--requests', values.requests, 1, 10_000_000);
  const log = (line: string) => values.json || console.log(line);

  const server = await startServerProcess(values['cpu-prof'], [
    ...(values['fake-model'] ? ['--fake-model'] : ['--model', values.model]),
    '--processes',
    String(processes),
    '--image-workers',
    String(imageWorkers),
    '--engine-threads',
    String(engineThreads),
  ]);
  const url = `http://127.0.0.1:${server.port}/api/predict`;
  const sample = server.sample;
  const png = await singleDigitPng(size);
  const bodies = await singleDigitPngs(size, 100);
  const shoot = (amount?: number) =>
    fire({ url, bodies, connections, ...(amount ? { amount } : { duration: seconds }) });

  // a busy shared machine skews every wall-clock figure; server CPU per request is the steadier one
  log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${availableParallelism()} cores`);
  log(`server ${url}, model ${values['fake-model'] ? 'FAKE (constant answers: measures HTTP + decoding + vision only)' : values.model}`);
  const meanBytes = Math.round(bodies.reduce((n, b) => n + b.length, 0) / bodies.length);
  log(`bodies: ${bodies.length} different ${size}x${size} single-digit PNGs (0-9, jittered; ${meanBytes} bytes on average) in turn; ${connections} connections; ${processes} server processes, each with ${imageWorkers} image worker threads and ${engineThreads} engine threads`);
  const first = await fetch(url, { method: 'POST', headers: { 'content-type': 'image/png' }, body: new Blob([new Uint8Array(png)]) });
  const reading = (await first.json()) as { digits?: string; items?: { box: number[] }[] };
  log(`one request: ${first.status}, reads "${reading.digits}" (${reading.items?.length ?? 0} items, boxes ${JSON.stringify(reading.items?.map((i) => i.box))})`);
  let right = 0;
  for (const [k, body] of bodies.entries()) {
    const answer = await fetch(url, { method: 'POST', headers: { 'content-type': 'image/png' }, body: new Blob([new Uint8Array(body)]) });
    if (((await answer.json()) as { digits?: string }).digits === String(k % 10)) right++;
  }
  log(`the ${bodies.length} bodies read right: ${right}${values['fake-model'] ? ' (the fake model always says 7)' : ''}`);
  await shoot(Math.min(2000, requests ?? 2000)); // warm-up: JIT, model, sharp's thread pool
  const before = await sample();
  log(`before: rss ${mb(before.rssBytes)} MB, heap ${mb(before.heapBytes)} MB, tensors ${before.tensors}`);

  const rounds: { figures: Figures; after: MemorySample }[] = [];
  const generatorCpu = process.cpuUsage(); // autocannon's share of the same cores
  if (requests === undefined) {
    rounds.push({ figures: await shoot(), after: await sample() });
  } else {
    const perRound = Math.ceil(requests / 5);
    for (let sent = 0; sent < requests; sent += perRound) {
      const figures = await shoot(Math.min(perRound, requests - sent));
      rounds.push({ figures, after: await sample() });
      log(`after ${sent + figures.requests} requests: ${formatFigures(figures)}; rss ${mb(rounds.at(-1)!.after.rssBytes)} MB, heap ${mb(rounds.at(-1)!.after.heapBytes)} MB, tensors ${rounds.at(-1)!.after.tensors}`);
    }
  }
  const generator = process.cpuUsage(generatorCpu);
  await stopServerProcess(server.child);

  const last = rounds.at(-1)!;
  const batches = last.after.batches.map((calls, size) => calls - before.batches[size]);
  if (values.json) {
    const load = loadavg();
    console.log(JSON.stringify({ url, connections, size, processes, imageWorkers, engineThreads, bodyBytes: meanBytes, fakeModel: values['fake-model'], load, before, rounds, batches }));
    return;
  }
  if (requests === undefined) log(`${seconds} s: ${formatFigures(last.figures)}`);
  // CPU per request does not depend on what else the machine is doing, unlike requests/s: 2 cores / this = a ceiling.
  const served = rounds.reduce((n, r) => n + r.figures.requests, 0);
  log(`server CPU: ${((last.after.cpuMicros - before.cpuMicros) / served / 1000).toFixed(3)} ms per request (all its threads)`);
  log(`load generator CPU (autocannon, this process): ${((generator.user + generator.system) / served / 1000).toFixed(3)} ms per request`);
  log(describeThreads(before, last.after, processes));
  log(describeBatches(batches));
  log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at the end`);
  log(`after:  rss ${mb(last.after.rssBytes)} MB, heap ${mb(last.after.heapBytes)} MB, tensors ${last.after.tensors}`);
}

/** Fires requests with autocannon and condenses its result. */
async function fire(options: { url: string; bodies: Buffer[]; connections: number; duration?: number; amount?: number }): Promise<Figures> {
  const result = await autocannon({
    url: options.url,
    method: 'POST',
    headers: { 'content-type': 'image/png' },
    // each connection sends the bodies in turn, starting over after the last
    requests: options.bodies.map((body) => ({ method: 'POST', body, headers: { 'content-type': 'image/png' } })),
    connections: options.connections,
    ...(options.amount ? { amount: options.amount } : { duration: options.duration }),
    timeout: 10,
  });
  return {
    requests: result.requests.total,
    requestsPerSecond: Math.round(result.requests.total / (result.duration || 1)),
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

interface MemorySample {
  rssBytes: number;
  heapBytes: number;
  tensors: number;
  cpuMicros: number; // the server process's user + system CPU time so far, all threads
  batches: number[]; // model calls so far by their size in digits: batches[n] calls of n digits
  wallMs: number; // performance.now() in the (primary) server process
  eventLoopActiveMs: number; // time its event loop (HTTP and the model) has spent busy so far, summed over processes
  eventLoopIdleMs: number; // and idle
}

const MAX_BATCH = 256; // BatchingClassifier's default

/**
 * Which thread limits the server: "event loop (HTTP and the model) busy 93% of the run; the server used 1.78
 * cores, so ~0.85 on its other threads". An event loop near 100% is the bottleneck; otherwise the image workers are.
 */
function describeThreads(before: MemorySample, after: MemorySample, processes: number): string {
  const active = after.eventLoopActiveMs - before.eventLoopActiveMs;
  const idle = after.eventLoopIdleMs - before.eventLoopIdleMs;
  const busy = active / (active + idle || 1); // the processes' mean
  const cores = (after.cpuMicros - before.cpuMicros) / 1000 / (after.wallMs - before.wallMs || 1);
  const loops = processes > 1 ? `${processes} event loops (HTTP and the model) busy ${Math.round(busy * 100)}% on average` : `event loop (HTTP and the model) busy ${Math.round(busy * 100)}%`;
  return `${loops} of the run; the server used ${cores.toFixed(2)} cores, so ~${Math.max(0, cores - busy * processes).toFixed(2)} on its other threads (image workers, engine threads, GC)`;
}

/** "model calls: 812, 4.3 digits a call; digits in calls of 1: 5%, 2-3: 20%, ..." */
function describeBatches(batches: number[]): string {
  const calls = batches.reduce((a, b) => a + b, 0);
  const digits = batches.reduce((a, b, n) => a + b * n, 0);
  if (calls === 0) return 'model calls: none';
  const ranges = [[1, 1], [2, 3], [4, 7], [8, 15], [16, 31], [32, MAX_BATCH]];
  const shares = ranges.map(([lo, hi]) => {
    let inRange = 0;
    for (let n = lo; n <= hi; n++) inRange += (batches[n] ?? 0) * n;
    return `${lo === hi ? lo : `${lo}-${hi}`}: ${Math.round((100 * inRange) / digits)}%`;
  });
  return `model calls: ${calls}, ${(digits / calls).toFixed(1)} digits a call; digits in calls of ${shares.join(', ')}`;
}

/** Forks this benchmark as the server process and waits until it listens. */
async function startServerProcess(cpuProfileDir: string | undefined, modelArgs: string[]) {
  const dispatcher = fileURLToPath(new URL('./main.ts', import.meta.url));
  const child: ChildProcess = fork(dispatcher, ['server', '--server-process', ...modelArgs], {
    // the parent's loader flags (tsx), plus gc so memory samples count live objects only
    execArgv: [
      ...process.execArgv,
      ...(process.execArgv.some((a) => a.includes('tsx')) ? [] : ['--import', 'tsx']),
      '--expose-gc',
      ...(cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] : []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending: ((s: MemorySample) => void)[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the server process exited (code ${code}) before listening`)));
    child.on('message', (message: { port?: number; sample?: MemorySample }) => {
      if (message.port) resolve(message.port);
      if (message.sample) pending.shift()?.(message.sample);
    });
  });
  child.removeAllListeners('exit');
  const sample = () =>
    new Promise<MemorySample>((resolve) => {
      pending.push(resolve);
      child.send('sample');
    });
  return { child, port, sample };
}

/** Lets the server process exit by itself (so --cpu-prof writes its profiles), killing it if it does not. */
async function stopServerProcess(child: ChildProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.disconnect();
  const timer = setTimeout(() => child.kill(), 10_000);
  await exited;
  clearTimeout(timer);
}

/** The server process: listens on a random loopback port, tells the parent, answers memory samples. */
async function serveForBenchmark(modelDir: string | null, imageWorkers: number, engineThreads: number): Promise<void> {
  const counted = countingBatches(modelDir ? await loadRealClassifier(modelDir, engineThreads) : constantClassifier());
  const app = await createServer({ classifier: counted.classifier, model: { dir: modelDir }, imageWorkers });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  process.on('message', (message) => {
    if (message !== 'sample') return;
    process.send!({ sample: { ...ownSample(), batches: [...counted.batches] } });
  });
  process.on('disconnect', () => process.exit(0));
  const port = typeof address === 'object' && address ? address.port : 0;
  if (isServerProcess()) reportListening(port);
  else process.send!({ port });
}

/** This process's memory and CPU time, after a full GC. */
function ownSample(): Omit<MemorySample, 'batches'> {
  (globalThis as { gc?: () => void }).gc?.(); // measure live memory, not garbage awaiting collection
  const usage = process.memoryUsage();
  const cpu = process.cpuUsage();
  const loop = performance.eventLoopUtilization();
  return {
    rssBytes: usage.rss, heapBytes: usage.heapUsed, tensors: tensorCount(), cpuMicros: cpu.user + cpu.system,
    wallMs: performance.now(), eventLoopActiveMs: loop.active, eventLoopIdleMs: loop.idle,
  };
}

/** The primary of `processes` server processes (node:cluster, as `digits serve --processes N`): sums their samples. */
async function primaryForBenchmark(processes: number): Promise<void> {
  const servers = await startServerProcesses(processes);
  process.on('message', async (message) => {
    if (message !== 'sample') return;
    const samples = await Promise.all(
      servers.workers().map(
        (worker) =>
          new Promise<MemorySample>((resolve) => {
            const onMessage = (reply: { sample?: MemorySample }) => {
              if (!reply.sample) return;
              worker.off('message', onMessage);
              resolve(reply.sample);
            };
            worker.on('message', onMessage);
            worker.send('sample');
          }),
      ),
    );
    const sum: MemorySample = { ...ownSample(), tensors: 0, batches: new Array(MAX_BATCH + 1).fill(0), eventLoopActiveMs: 0, eventLoopIdleMs: 0 };
    for (const s of samples) {
      sum.rssBytes += s.rssBytes;
      sum.heapBytes += s.heapBytes;
      sum.tensors += s.tensors;
      sum.cpuMicros += s.cpuMicros;
      sum.eventLoopActiveMs += s.eventLoopActiveMs;
      sum.eventLoopIdleMs += s.eventLoopIdleMs;
      s.batches.forEach((calls, size) => (sum.batches[size] += calls));
    }
    process.send!({ sample: sum });
  });
  // disconnecting lets each server process exit by itself, so --cpu-prof writes its profiles
  process.on('disconnect', () => {
    for (const worker of servers.workers()) worker.disconnect();
  });
  process.send!({ port: servers.port });
}

/** `inner`, counting its calls by size: behind the server's batching, each call is one model batch. */
function countingBatches(inner: DigitClassifier): { classifier: DigitClassifier; batches: number[] } {
  const batches: number[] = new Array(MAX_BATCH + 1).fill(0);
  const classifier: DigitClassifier = {
    classify(images, count) {
      batches[Math.min(count, MAX_BATCH)]++;
      return inner.classify(images, count);
    },
    classifyWithEvidence(images, count) {
      batches[Math.min(count, MAX_BATCH)]++;
      return classifyWithEvidence(inner, images, count);
    },
  };
  return { classifier, batches };
}

/**
 * Milliseconds per call of each stage of a request, on this thread, over the load test's 100 bodies in turn,
 * after a warm-up: wall time, and CPU time (this process, all threads), which a busy machine skews less.
 */
async function profileStages(size: number, modelDir: string | null, engineThreads: number): Promise<void> {
  const pngs = await singleDigitPngs(size, 100);
  const classifier = modelDir ? await loadRealClassifier(modelDir, engineThreads) : constantClassifier();
  const time = async (name: string, calls: number, work: (k: number) => unknown, perDigit = 1) => {
    for (let i = 0; i < Math.min(200, calls); i++) await work(i % 100);
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    for (let i = 0; i < calls; i++) await work(i % 100);
    const ms = (performance.now() - start) / calls;
    const cpu = process.cpuUsage(cpuStart);
    const cpuMs = (cpu.user + cpu.system) / 1000 / calls;
    const each = perDigit > 1 ? ` (${(ms / perDigit).toFixed(3)} ms a digit)` : '';
    console.log(`  ${name.padEnd(34)} ${ms.toFixed(3).padStart(7)} ms, CPU ${cpuMs.toFixed(3).padStart(7)} ms${each}`);
  };
  const images = await Promise.all(pngs.map((png) => decodeImage(png)));
  const inks = images.map((image) => findInk(image));
  const segments = inks.map((ink) => segmentLine(ink)[0]);
  const readings = await Promise.all(images.map((image) => recognize(image, classifier)));
  const digits = segments.map((segment) => preprocessDigit(segment.whole.ink).image);
  const meanBytes = Math.round(pngs.reduce((n, b) => n + b.length, 0) / pngs.length);
  console.log(`${pngs.length} different ${size}x${size} single-digit PNGs (${meanBytes} bytes on average) in turn, model ${modelDir ?? 'FAKE'}, ${engineThreads} engine threads:`);
  await time('decode (sharp)', 2000, (k) => sharp(pngs[k]).raw().toBuffer());
  await time('decode (small-PNG path)', 2000, (k) => decodeImage(pngs[k]));
  await time('find ink', 2000, (k) => findInk(images[k]));
  await time('segment', 2000, (k) => segmentLine(inks[k]));
  await time('preprocess to 28x28', 2000, (k) => preprocessDigit(segments[k].whole.ink));
  await time('recognize, no model (all vision)', 2000, (k) => recognize(images[k], constantClassifier()));
  for (const count of [1, 4, 8, 16, 32]) {
    const batch = new Float32Array(count * 784);
    for (let n = 0; n < count; n++) batch.set(digits[n % digits.length], n * 784);
    await time(`model, batch of ${count}`, Math.max(50, Math.round(1000 / count)), () => classifier.classify(batch, count), count);
  }
  await time('JSON of the reading', 2000, (k) => JSON.stringify(roundReading(readings[k])));
}

/** Live TensorFlow.js tensors; -1 when no backend was ever set up (the fake model). */
function tensorCount(): number {
  try {
    return memory().numTensors;
  } catch {
    return -1;
  }
}

function formatFigures(f: Figures): string {
  const failures = f.non2xx + f.errors + f.timeouts;
  return `${f.requestsPerSecond} req/s, latency p50 ${f.latencyMs.p50} ms, p90 ${f.latencyMs.p90} ms, p99 ${f.latencyMs.p99} ms, max ${f.latencyMs.max} ms${failures ? `, FAILED ${f.non2xx} non-2xx / ${f.errors} errors / ${f.timeouts} timeouts` : ''}`;
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

function boundedInt(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${flag} must be an integer from ${min} to ${max}, got '${value}'`);
  return n;
}

/**
 * A 7 drawn with a pen, dark on white, in a size x size image: 28 is MNIST's size (a digit already cropped),
 * 140 or 280 a drawing pad's. Most of a request's cost is finding the ink, so it grows with the pixel count.
 */
async function singleDigitPng(size: number): Promise<Buffer> {
  return digitPng(size, digitStrokes(7));
}

/**
 * `count` different single-digit PNGs (each digit 0-9 in turn, strokes jittered, seeded): the load test sends
 * them in turn, so no layer can answer from a cache of the last image, and the model sees every digit.
 */
async function singleDigitPngs(size: number, count: number): Promise<Buffer[]> {
  const rng = seededRandom(6);
  return Promise.all(Array.from({ length: count }, (_, k) => digitPng(size, jitterStrokes(digitStrokes(k % 10), rng, 0.5))));
}

async function digitPng(size: number, strokes: Strokes): Promise<Buffer> {
  const ink: InkMap = { width: size, height: size, data: new Float32Array(size * size) };
  drawStrokes(ink, strokes, [size * 0.25, size * 0.14, size * 0.5, size * 0.72], Math.max(2, size * 0.065));
  const grey = Buffer.from(ink.data.map((a) => 255 - Math.round(a * 255)));
  return sharp(grey, { raw: { width: size, height: size, channels: 1 } }).png().toBuffer();
}

async function loadRealClassifier(dir: string, engineThreads: number): Promise<DigitClassifier> {
  const { useEngine } = await import('../src/engine/index.ts');
  const { loadClassifier } = await import('../src/model/node.ts');
  await useEngine({ threads: engineThreads });
  return loadClassifier(dir);
}

/** Answers "7" for every digit without a model: isolates the cost of HTTP, decoding and vision. */
function constantClassifier(): DigitClassifier {
  return {
    async classify(_images, count) {
      const out = new Float32Array(count * 10).fill(0.01);
      for (let n = 0; n < count; n++) out[n * 10 + 7] = 0.91;
      return out;
    },
  };
}
