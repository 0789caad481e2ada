// Draws docs/augment.png: real MNIST training digits (first column) each beside augmented versions, enlarged,
// to judge by eye whether the augmentation defaults still look like plausible handwriting.
// Usage: DIGITS_DATA_DIR=/path/to/mnist npx tsx scripts/augment-picture.ts [--strong] [--seed N] [--pick K] [--out FILE]
// (--pick K: the K-th training image of each class instead of the first)
import { mkdir, rename } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { loadMnist } from '../src/data/index.ts';
import { augmentImages, DEFAULT_AUGMENT, STRONG_AUGMENT } from '../src/data/augment.ts';
import { Random } from '../src/data/random.ts';

const PIXELS = 28 * 28;
const ROWS = 10; // one row per digit class
const VERSIONS = 8; // augmented versions per digit
const ZOOM = 3; // each 28x28 image drawn 84x84
const GAP = 4; // pixels between images; a wider gap after the original

const args = process.argv.slice(2);
const flag = (name: string) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const strong = args.includes('--strong');
const seed = Number(flag('--seed') ?? 7);
const out = resolve(flag('--out') ?? fileURLToPath(new URL('../docs/augment.png', import.meta.url)));

const mnist = await loadMnist('train', { download: false, dataDir: flag('--data-dir') });
// The pick-th training image of each class 0-9.
const pick = Number(flag('--pick') ?? 0);
const originals = new Uint8Array(ROWS * PIXELS);
for (let digit = 0; digit < ROWS; digit++) {
  let index = -1;
  for (let seen = -1; seen < pick; seen++) index = mnist.labels.indexOf(digit, index + 1);
  if (index < 0) throw new RangeError(`no training image number ${pick} of class ${digit}`);
  originals.set(mnist.images.subarray(index * PIXELS, (index + 1) * PIXELS), digit * PIXELS);
}

const repeated = new Uint8Array(ROWS * VERSIONS * PIXELS);
for (let row = 0; row < ROWS; row++) {
  for (let v = 0; v < VERSIONS; v++) repeated.set(originals.subarray(row * PIXELS, (row + 1) * PIXELS), (row * VERSIONS + v) * PIXELS);
}
const augmented = new Float32Array(repeated.length);
augmentImages(repeated, ROWS * VERSIONS, augmented, new Random(seed), strong ? STRONG_AUGMENT : DEFAULT_AUGMENT);

// Canvas: column 0 the original, then VERSIONS augmented ones; grey background so the 28x28 frame shows.
const cell = 28 * ZOOM;
const width = GAP + (cell + GAP) * (VERSIONS + 1) + GAP;
const height = GAP + (cell + GAP) * ROWS;
const canvas = new Uint8Array(width * height).fill(96);
const draw = (column: number, row: number, value: (i: number) => number) => {
  const left = GAP + column * (cell + GAP) + (column > 0 ? GAP : 0);
  const top = GAP + row * (cell + GAP);
  for (let y = 0; y < cell; y++) {
    for (let x = 0; x < cell; x++) canvas[(top + y) * width + left + x] = value(Math.floor(y / ZOOM) * 28 + Math.floor(x / ZOOM));
  }
};
for (let row = 0; row < ROWS; row++) {
  draw(0, row, (i) => originals[row * PIXELS + i]);
  for (let v = 0; v < VERSIONS; v++) {
    const base = (row * VERSIONS + v) * PIXELS;
    draw(v + 1, row, (i) => Math.round(255 * Math.min(1, Math.max(0, augmented[base + i]))));
  }
}

await mkdir(dirname(out), { recursive: true });
const temp = `${out}.${process.pid}.tmp`;
await sharp(Buffer.from(canvas), { raw: { width, height, channels: 1 } }).png({ compressionLevel: 9, palette: false }).toFile(temp);
await rename(temp, out);
console.log(`wrote ${out} (${width}x${height}, ${strong ? 'STRONG_AUGMENT' : 'DEFAULT_AUGMENT'}, seed ${seed})`);
