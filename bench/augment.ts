// Augmentation speed: images/s and ms per 128-image batch for affine only, affine + thickness, elastic on every
// image, and the DEFAULT/STRONG presets. One thread, the way the training loop calls it.
// Usage: npm run bench -- augment [--json] [--seconds S (per case, default 1)]
// Images are real MNIST when DIGITS_DATA_DIR is set, else synthetic rings (the cost hardly depends on content).
import { augmentImages, DEFAULT_AUGMENT, NO_AUGMENT, STRONG_AUGMENT } from '../src/data/augment.ts';
import type { AugmentOptions } from '../src/data/augment.ts';
import { Random } from '../src/data/random.ts';
import { loadMnist } from '../src/data/index.ts';

const BATCH = 128;
const PIXELS = 28 * 28;

const cases: { name: string; options: AugmentOptions }[] = [
  { name: 'copy only (no augmentation)', options: NO_AUGMENT },
  { name: 'affine only', options: { ...DEFAULT_AUGMENT, thickness: 0, elastic: { ...DEFAULT_AUGMENT.elastic, probability: 0 } } },
  { name: 'affine + thickness on every image', options: { ...DEFAULT_AUGMENT, thickness: 1, elastic: { ...DEFAULT_AUGMENT.elastic, probability: 0 } } },
  { name: 'full: elastic + thickness on every image', options: { ...DEFAULT_AUGMENT, thickness: 1, elastic: { ...DEFAULT_AUGMENT.elastic, probability: 1 } } },
  { name: 'DEFAULT_AUGMENT', options: DEFAULT_AUGMENT },
  { name: 'STRONG_AUGMENT', options: STRONG_AUGMENT },
];

async function sourceImages(count: number): Promise<{ images: Uint8Array; source: string }> {
  if (process.env.DIGITS_DATA_DIR) {
    const mnist = await loadMnist('test', { download: false });
    return { images: mnist.images.subarray(0, count * PIXELS), source: 'MNIST test images' };
  }
  const images = new Uint8Array(count * PIXELS);
  const random = new Random(1);
  for (let n = 0; n < count; n++) {
    const cx = 13.5 + random.uniform(-2, 2);
    const cy = 13.5 + random.uniform(-2, 2);
    const radius = random.uniform(5, 9);
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        const ring = Math.abs(Math.hypot(x - cx, y - cy) - radius);
        images[n * PIXELS + y * 28 + x] = Math.round(255 * Math.max(0, Math.min(1, 1.5 - ring)));
      }
    }
  }
  return { images, source: 'synthetic rings' };
}

export async function main(args: string[]): Promise<void> {
  const json = args.includes('--json');
  const secondsAt = args.indexOf('--seconds');
  const seconds = secondsAt >= 0 ? Number(args[secondsAt + 1]) : 1;
  if (!(seconds > 0 && seconds <= 600)) {
    console.error(`--seconds must be a number of seconds in (0, 600], got ${args[secondsAt + 1]}`);
    process.exitCode = 2;
    return;
  }

  const batches = 16; // cycle over 16 different batches so caches see realistic traffic
  const { images, source } = await sourceImages(batches * BATCH);
  const out = new Float32Array(BATCH * PIXELS);
  // Wall time, and the process's CPU time, which other programs on a busy machine disturb far less.
  const results: { name: string; imagesPerSecond: number; msPerBatch: number; cpuMsPerBatch: number }[] = [];
  for (const { name, options } of cases) {
    const random = new Random(42);
    // Warm up the JIT, then time whole batches for about `seconds`.
    for (let b = 0; b < 20; b++) augmentImages(images.subarray((b % batches) * BATCH * PIXELS), BATCH, out, random, options);
    let done = 0;
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < seconds * 1000) {
      for (let i = 0; i < 10; i++, done++) augmentImages(images.subarray((done % batches) * BATCH * PIXELS), BATCH, out, random, options);
      elapsed = performance.now() - start;
    }
    const cpu = process.cpuUsage(cpuStart);
    const msPerBatch = elapsed / done;
    const cpuMsPerBatch = (cpu.user + cpu.system) / 1000 / done;
    const result = { name, imagesPerSecond: Math.round((done * BATCH * 1000) / elapsed), msPerBatch: Number(msPerBatch.toFixed(4)), cpuMsPerBatch: Number(cpuMsPerBatch.toFixed(4)) };
    results.push(result);
    if (!json) {
      console.log(`${name.padEnd(42)} ${String(result.imagesPerSecond).padStart(9)} images/s   ${msPerBatch.toFixed(3)} ms per ${BATCH}-image batch (${cpuMsPerBatch.toFixed(3)} ms CPU)`);
    }
  }
  if (json) console.log(JSON.stringify({ batch: BATCH, source, seconds, results }));
  else console.log(`(${source}, one thread, ${seconds} s per case)`);
}
