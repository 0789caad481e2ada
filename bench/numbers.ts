// Multi-digit accuracy: numbers of 2 to 8 MNIST test digits, composed with random size, baseline and spacing,
// read through the whole recognition path (find ink, segment, preprocess, model). Whole-number accuracy for
// digits that do not touch, that touch, and for photo-like pages (uneven light, blur, noise, tilt, perspective,
// ruled lines). Then single digits alone, scanned (the picture of one digit a user uploads): how much the path
// loses against the model reading the same digits as MNIST's own 28x28 images.
//   npm run bench -- numbers [--model DIR] [--count N] [--seed S] [--data-dir DIR] [--json] [--failures DIR]
//                            [--digits test|validation] [--no-verifier]
// --failures DIR writes each misread number's picture there (CONDITION-N-TRUTH-as-READING.png), to look at.
// --digits validation composes the numbers from training images 55,000-59,999 instead (the default recipe's
// held-out validation split): the digits recognition was tuned on, so the test digits stay unseen.
import { readFileSync, existsSync, mkdirSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { dirname, join, resolve } from 'node:path';
import { loadavg } from 'node:os';
import sharp from 'sharp';
import { pathToFileURL } from 'node:url';
import { composeNumber, scanOf, seededRandom, type InkMap, type RgbaImage } from '../src/vision/index.ts';
import { recognize, classifyWithEvidence, type DigitClassifier } from '../src/recognize/index.ts';

interface Flags {
  model: string;
  count: number;
  seed: number;
  dataDir: string | undefined;
  json: boolean;
  loader: string; // module exporting loadClassifier(dir)
  failures: string | undefined; // folder for the pictures of misread numbers
  digits: 'test' | 'validation';
  verifier: boolean; // use the model's segmentation verifier when it has one
}

function parseFlags(args: string[]): Flags {
  const flags: Flags = {
    model: 'models/default',
    count: 300,
    seed: 1,
    dataDir: process.env.DIGITS_DATA_DIR,
    json: false,
    loader: 'src/model/node.ts',
    failures: undefined,
    digits: 'test',
    verifier: true,
  };
  for (let i = 0; i < args.length; i++) {
    const value = () => {
      const v = args[++i];
      if (v === undefined) throw new Error(`${args[i - 1]} needs a value`);
      return v;
    };
    const arg = args[i];
    if (arg === '--model') flags.model = value();
    else if (arg === '--count') flags.count = Number(value());
    else if (arg === '--seed') flags.seed = Number(value());
    else if (arg === '--data-dir') flags.dataDir = value();
    else if (arg === '--loader') flags.loader = value();
    else if (arg === '--json') flags.json = true;
    else if (arg === '--failures') flags.failures = value();
    else if (arg === '--no-verifier') flags.verifier = false;
    else if (arg === '--digits') {
      const digits = value();
      if (digits !== 'test' && digits !== 'validation') throw new Error(`--digits must be test or validation, not ${digits}`);
      flags.digits = digits;
    }
    else throw new Error(`unknown flag ${arg}`);
  }
  if (!Number.isInteger(flags.count) || flags.count < 1) throw new Error('--count must be a positive integer');
  return flags;
}

// The validation split: the last 5,000 training images, which the default recipe holds out (see recipes.ts).
const VALIDATION_FROM = 55_000;

// MNIST's test set (or the validation split) from its gzip IDX files: images as 28x28 InkMaps (0..1), and their labels.
export function loadMnistDigits(dir: string, digits: Flags['digits'] = 'test'): { images: InkMap[]; labels: Uint8Array } {
  const prefix = digits === 'test' ? 't10k' : 'train';
  const images = gunzipSync(readFileSync(join(dir, `${prefix}-images-idx3-ubyte.gz`)));
  const labels = gunzipSync(readFileSync(join(dir, `${prefix}-labels-idx1-ubyte.gz`)));
  const count = images.readUInt32BE(4);
  const from = digits === 'test' ? 0 : VALIDATION_FROM;
  const out: InkMap[] = [];
  for (let k = from; k < count; k++) {
    const data = new Float32Array(784);
    for (let i = 0; i < 784; i++) data[i] = images[16 + k * 784 + i] / 255;
    out.push({ width: 28, height: 28, data });
  }
  return { images: out, labels: labels.subarray(8 + from, 8 + count) };
}

/**
 * A phone photo of the number written on ruled paper: the page tilted by a small rotation and perspective
 * (a homography from jittered corners), ruled lines (pale blue or darker grey), a light gradient with a dim
 * corner, blur and sensor noise.
 */
export function photo(ink: InkMap, digitHeight: number, rng: () => number): RgbaImage {
  const between = (lo: number, hi: number) => lo + (hi - lo) * rng();
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const { width, height } = ink;
  // Ruled lines under the writing, every ~1.1 digit heights, one near the baseline.
  const ruling = new Float32Array(width * height);
  const spacing = Math.round(digitHeight * between(1.0, 1.3));
  const offset = Math.round(height / 2 + digitHeight * 0.55) % spacing;
  const lineWidth = rng() < 0.5 ? 1 : 2;
  for (let y = offset; y < height; y += spacing) for (let t = 0; t < lineWidth; t++) for (let x = 0; x < width; x++) if (y + t < height) ruling[(y + t) * width + x] = 1;

  // Inverse mapping photo -> page: rotation by up to 4 degrees, plus a perspective term.
  const angle = between(-4, 4) * (Math.PI / 180);
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const px = between(-0.00025, 0.00025); // perspective: the far side shrinks by ~ px * width
  const py = between(-0.0004, 0.0004);
  const cx = width / 2;
  const cy = height / 2;
  const sample = (map: Float32Array, x: number, y: number) => {
    const ix = Math.floor(x);
    const iy = Math.floor(y);
    const fx = x - ix;
    const fy = y - iy;
    const at = (a: number, b: number) => (a < 0 || b < 0 || a >= width || b >= height ? 0 : map[b * width + a]);
    return (at(ix, iy) * (1 - fx) + at(ix + 1, iy) * fx) * (1 - fy) + (at(ix, iy + 1) * (1 - fx) + at(ix + 1, iy + 1) * fx) * fy;
  };
  const inkLevel = new Float32Array(width * height);
  const lineLevel = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const dx = x - cx;
      const dy = y - cy;
      const w = 1 + px * dx + py * dy;
      const sx = cx + (cos * dx - sin * dy) / w;
      const sy = cy + (sin * dx + cos * dy) / w;
      inkLevel[y * width + x] = sample(ink.data, sx, sy);
      lineLevel[y * width + x] = sample(ruling, sx, sy);
    }
  }
  blur3(inkLevel, width, height);
  blur3(lineLevel, width, height);

  // Light: a gradient across the page and a dim corner, from ~45% to 100% brightness.
  const gx = between(-1, 1);
  const gy = between(-1, 1);
  const dimX = between(0, width);
  const dimY = between(0, height);
  const paper = [between(225, 250), between(220, 245), between(200, 235)];
  const pen = rng() < 0.5 ? [25, 25, 35] : [20, 35, 110]; // black or blue ballpoint
  const penStrength = between(0.75, 1); // ballpoints are not fully dark
  // pale blue rules (faint enough that finding ink ignores them) or darker grey ones (that must be removed)
  const line = rng() < 0.5 ? [150, 180, 220] : [110, 110, 120];
  const data = new Uint8ClampedArray(width * height * 4);
  const diagonal = Math.hypot(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const gradient = 0.5 + 0.25 * (gx * (x / width - 0.5) + gy * (y / height - 0.5)) * 2;
      const dim = 0.25 * Math.exp(-((x - dimX) ** 2 + (y - dimY) ** 2) / (0.15 * diagonal * diagonal));
      const light = Math.min(1, Math.max(0.45, 0.5 + gradient - dim));
      const a = inkLevel[i] * penStrength;
      const l = lineLevel[i] * 0.6 * (1 - a);
      for (let c = 0; c < 3; c++) {
        const colour = paper[c] * (1 - a - l) + pen[c] * a + line[c] * l;
        data[i * 4 + c] = colour * light + gauss() * 5;
      }
      data[i * 4 + 3] = 255;
    }
  }
  return { width, height, data };
}

// In-place 3x3 binomial blur: the softness of a phone lens and demosaicing.
function blur3(map: Float32Array, width: number, height: number): void {
  const tmp = new Float32Array(map.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const l = map[y * width + Math.max(0, x - 1)];
      const r = map[y * width + Math.min(width - 1, x + 1)];
      tmp[y * width + x] = 0.25 * l + 0.5 * map[y * width + x] + 0.25 * r;
    }
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = tmp[Math.max(0, y - 1) * width + x];
      const d = tmp[Math.min(height - 1, y + 1) * width + x];
      map[y * width + x] = 0.25 * u + 0.5 * tmp[y * width + x] + 0.25 * d;
    }
  }
}

// Whether the model reads each MNIST test digit right as it is (28x28, no composing), (count) booleans.
async function digitsReadRight(mnist: { images: InkMap[]; labels: Uint8Array }, classifier: DigitClassifier): Promise<boolean[]> {
  const right: boolean[] = [];
  const chunk = 1000;
  for (let start = 0; start < mnist.images.length; start += chunk) {
    const count = Math.min(chunk, mnist.images.length - start);
    const batch = new Float32Array(count * 784); // (count, 28, 28)
    for (let k = 0; k < count; k++) batch.set(mnist.images[start + k].data, k * 784);
    const probabilities = await classifier.classify(batch, count); // (count, 10)
    for (let k = 0; k < count; k++) {
      const p = probabilities.subarray(k * 10, k * 10 + 10);
      right.push(p.indexOf(Math.max(...p)) === mnist.labels[start + k]);
    }
  }
  return right;
}

async function savePicture(image: RgbaImage, path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  await sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.length), {
    raw: { width: image.width, height: image.height, channels: 4 },
  })
    .png()
    .toFile(path);
}

interface Result {
  condition: string;
  numbers: number;
  correct: number;
  accuracy: number;
  modelCeiling: number; // fraction of the numbers whose original 28x28 digits the model reads all right
  wrongCount: number; // numbers read with the wrong number of digits (segmentation errors)
  fewer: number; // of those, read with fewer digits (merged or dropped)
  modelMisreads: number; // read with the right count, and a wrong digit is one the model misreads on its own
  classifiedPerNumber: number; // candidate digit images classified per number (the digits, and the cuts and joins tried)
  digitsPerNumber: number;
  digitAccuracy: number; // per digit, over numbers read with the right count
  msPerNumber: number;
}

export async function main(args: string[]): Promise<void> {
  let flags: Flags;
  try {
    flags = parseFlags(args);
  } catch (error) {
    console.error(`numbers: ${(error as Error).message}`);
    process.exitCode = 2;
    return;
  }
  if (!flags.dataDir) {
    console.error('numbers: skipped: no MNIST data (set DIGITS_DATA_DIR or pass --data-dir DIR)');
    return;
  }
  const loaderPath = resolve(flags.loader);
  if (!existsSync(loaderPath)) {
    console.error(`numbers: skipped: no model loader yet (${flags.loader} does not exist)`);
    return;
  }
  if (!existsSync(resolve(flags.model))) {
    console.error(`numbers: skipped: no model at ${flags.model} (train one, or pass --model DIR)`);
    return;
  }
  try {
    const { useEngine } = await import('../src/engine/index.ts');
    await useEngine();
  } catch (error) {
    console.error(`numbers: the engine did not start (${(error as Error).message}); using TensorFlow.js's cpu backend`);
  }
  const { loadClassifier } = (await import(pathToFileURL(loaderPath).href)) as { loadClassifier: (dir: string) => Promise<DigitClassifier> };
  const classifier = await loadClassifier(resolve(flags.model));
  const mnist = loadMnistDigits(flags.dataDir, flags.digits);

  if (!flags.json) console.log(`model ${flags.model} (${classifier.verify && flags.verifier ? 'with' : 'without'} its segmentation verifier), ${flags.digits === 'test' ? 'MNIST test digits' : 'validation digits (training images 55,000-59,999)'}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (only the ms figures depend on it)`);
  // The model alone on the original 28x28 test digits: a number is at best as right as all its digits are.
  const rawRight = await digitsReadRight(mnist, classifier);

  const conditions = ['non-touching', 'touching', 'photo-like', 'single-digit'] as const;
  const results: Result[] = [];
  for (const condition of conditions) {
    const rng = seededRandom(flags.seed * 1000 + conditions.indexOf(condition));
    let correct = 0;
    let ceiling = 0; // numbers whose every original 28x28 digit the model reads right
    let wrongCount = 0;
    let digitsRight = 0;
    let digitsSeen = 0;
    let ms = 0;
    let fewer = 0;
    let modelMisreads = 0;
    let classified = 0;
    let digitCount = 0;
    const counting: DigitClassifier = {
      classify(images, count) {
        classified += count;
        return classifier.classify(images, count);
      },
      classifyWithEvidence(images, count) {
        classified += count;
        return classifyWithEvidence(classifier, images, count);
      },
      verify: flags.verifier ? classifier.verify : undefined,
    };
    const failures: string[] = [];
    for (let n = 0; n < flags.count; n++) {
      const length = condition === 'single-digit' ? 1 : 2 + Math.floor(rng() * 7); // 2..8 digits
      const picks = Array.from({ length }, () => Math.floor(rng() * mnist.images.length));
      const truth = picks.map((k) => mnist.labels[k]).join('');
      if (picks.every((k) => rawRight[k])) ceiling++;
      const digitHeight = Math.round(36 + rng() * 28);
      const { ink } = composeNumber(
        picks.map((k) => mnist.images[k]),
        rng,
        { digitHeight, touching: condition === 'touching', margin: condition === 'photo-like' ? digitHeight : undefined },
      );
      const image = condition === 'photo-like' ? photo(ink, digitHeight, rng) : scanOf(ink);
      const start = performance.now();
      const reading = await recognize(image, counting);
      ms += performance.now() - start;
      if (reading.digits === truth) correct++;
      else {
        if (failures.length < 8) failures.push(`${truth}->${reading.digits || '(none)'}`);
        if (flags.failures) await savePicture(image, join(flags.failures, `${condition}-${n}-${truth}-as-${reading.digits || 'none'}.png`));
      }
      digitCount += truth.length;
      if (reading.digits.length !== truth.length) {
        wrongCount++;
        if (reading.digits.length < truth.length) fewer++;
      } else {
        digitsSeen += truth.length;
        for (let i = 0; i < truth.length; i++) if (reading.digits[i] === truth[i]) digitsRight++;
        if (reading.digits !== truth && picks.some((k, i) => reading.digits[i] !== truth[i] && !rawRight[k])) modelMisreads++;
      }
    }
    const result: Result = {
      condition,
      numbers: flags.count,
      correct,
      accuracy: correct / flags.count,
      modelCeiling: ceiling / flags.count,
      wrongCount,
      fewer,
      modelMisreads,
      classifiedPerNumber: classified / flags.count,
      digitsPerNumber: digitCount / flags.count,
      digitAccuracy: digitsSeen ? digitsRight / digitsSeen : 0,
      msPerNumber: ms / flags.count,
    };
    results.push(result);
    if (!flags.json) {
      console.log(
        `${condition.padEnd(13)} ${(100 * result.accuracy).toFixed(1).padStart(5)}% whole numbers (${correct}/${flags.count}; ` +
          `the model reads all the original 28x28 digits of ${(100 * result.modelCeiling).toFixed(1)}%), ` +
          `${wrongCount} with a wrong digit count, ${(100 * result.digitAccuracy).toFixed(2)}% of digits where the count was right, ` +
          `${result.msPerNumber.toFixed(1)} ms a number`,
      );
      const wrong = flags.count - correct;
      console.log(
        `              misread: ${wrong} = ${fewer} with digits merged or dropped + ${wrongCount - fewer} with a digit split or extra + ` +
          `${modelMisreads} with a digit the model also misreads alone + ${wrong - wrongCount - modelMisreads} other (cut, preprocessing, ink); ` +
          `${result.classifiedPerNumber.toFixed(1)} images classified a number for ${result.digitsPerNumber.toFixed(1)} digits`,
      );
      if (failures.length) console.log(`              e.g. ${failures.join('  ')}`);
    }
  }
  if (flags.json) console.log(JSON.stringify({ model: flags.model, verifier: !!classifier.verify && flags.verifier, digits: flags.digits, seed: flags.seed, results }));
}
