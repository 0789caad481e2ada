import test from 'node:test';
import assert from 'node:assert/strict';
import { augmentImages, changeThickness, warpImage, DEFAULT_AUGMENT, NO_AUGMENT, STRONG_AUGMENT } from '../../src/data/augment.ts';
import type { AugmentOptions, WarpParams } from '../../src/data/augment.ts';
import { Random } from '../../src/data/random.ts';
import { loadMnist } from '../../src/data/index.ts';

const PIXELS = 784;
const NO_WARP: WarpParams = { rotateDegrees: 0, scaleX: 1, scaleY: 1, shear: 0, translateX: 0, translateY: 0 };

/** Digit-like test images (count,28,28) uint8: rings of varying centre, radius and width, anti-aliased. */
function rings(count: number, seed = 1): Uint8Array {
  const images = new Uint8Array(count * PIXELS);
  const random = new Random(seed);
  for (let n = 0; n < count; n++) {
    const cx = 13.5 + random.uniform(-1.5, 1.5);
    const cy = 13.5 + random.uniform(-1.5, 1.5);
    const radius = random.uniform(5, 8);
    const halfWidth = random.uniform(0.8, 1.6);
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        const distance = Math.abs(Math.hypot(x - cx, y - cy) - radius);
        images[n * PIXELS + y * 28 + x] = Math.round(255 * Math.min(1, Math.max(0, halfWidth + 0.5 - distance)));
      }
    }
  }
  return images;
}

/** A (28,28) float image with ink 1 on the rectangle [x0, x1) x [y0, y1). */
function rectangle(x0: number, y0: number, x1: number, y1: number): Float32Array {
  const image = new Float32Array(PIXELS);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) image[y * 28 + x] = 1;
  return image;
}

function mass(image: Float32Array | Uint8Array, offset = 0, scale = 1): number {
  let sum = 0;
  for (let i = 0; i < PIXELS; i++) sum += image[offset + i] * scale;
  return sum;
}

function centerOfMass(image: Float32Array): [number, number] {
  let sum = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < PIXELS; i++) {
    sum += image[i];
    sx += image[i] * (i % 28);
    sy += image[i] * Math.floor(i / 28);
  }
  return [sx / sum, sy / sum];
}

const only = (changes: Partial<AugmentOptions>): AugmentOptions => ({ ...NO_AUGMENT, ...changes });

test('the same seed gives the same augmented images, another seed different ones', () => {
  const images = rings(16);
  const first = new Float32Array(16 * PIXELS);
  const again = new Float32Array(16 * PIXELS);
  const other = new Float32Array(16 * PIXELS);
  augmentImages(images, 16, first, new Random(5), STRONG_AUGMENT);
  augmentImages(images, 16, again, new Random(5), STRONG_AUGMENT);
  augmentImages(images, 16, other, new Random(6), STRONG_AUGMENT);
  assert.deepEqual(again, first);
  let differing = 0;
  for (let n = 0; n < 16; n++) {
    let difference = 0;
    for (let i = 0; i < PIXELS; i++) difference += Math.abs(first[n * PIXELS + i] - other[n * PIXELS + i]);
    if (difference > 1) differing++;
  }
  assert.equal(differing, 16);
});

test('augmenting in place gives the same images as into another array', () => {
  const images = Float32Array.from(rings(8), (v) => v / 255);
  const separate = new Float32Array(images.length);
  augmentImages(images, 8, separate, new Random(21), DEFAULT_AUGMENT);
  augmentImages(images, 8, images, new Random(21), DEFAULT_AUGMENT);
  assert.deepEqual(images, separate);
});

test('identity options return the input scaled to 0..1, from bytes or floats', () => {
  const bytes = rings(4);
  const fromBytes = new Float32Array(4 * PIXELS);
  augmentImages(bytes, 4, fromBytes, new Random(1), NO_AUGMENT);
  const floats = Float32Array.from(bytes, (v) => v / 255);
  const fromFloats = new Float32Array(4 * PIXELS);
  augmentImages(floats, 4, fromFloats, new Random(2), NO_AUGMENT);
  for (let i = 0; i < bytes.length; i++) {
    assert.ok(Math.abs(fromBytes[i] - bytes[i] / 255) < 1e-6, `pixel ${i} from bytes`);
    assert.ok(Math.abs(fromFloats[i] - floats[i]) < 1e-6, `pixel ${i} from floats`);
  }
});

test('a known translation moves the centre of mass by exactly that many pixels', () => {
  const square = rectangle(10, 11, 16, 17);
  const moved = new Float32Array(PIXELS);
  warpImage(square, moved, { ...NO_WARP, translateX: 2.5, translateY: -3 });
  const [x0, y0] = centerOfMass(square);
  const [x1, y1] = centerOfMass(moved);
  assert.ok(Math.abs(x1 - x0 - 2.5) < 1e-4, `x moved ${x1 - x0}`);
  assert.ok(Math.abs(y1 - y0 + 3) < 1e-4, `y moved ${y1 - y0}`);
  assert.ok(Math.abs(mass(moved) - mass(square)) < 1e-3, 'a shift inside the frame keeps all the ink');
});

test('random translations stay within the translate option and vary', () => {
  const square = Float32Array.from({ length: 32 * PIXELS }, (_, i) => (i % PIXELS) % 28 >= 11 && (i % PIXELS) % 28 < 17 && Math.floor((i % PIXELS) / 28) >= 11 && Math.floor((i % PIXELS) / 28) < 17 ? 1 : 0);
  const out = new Float32Array(32 * PIXELS);
  augmentImages(square, 32, out, new Random(3), only({ translate: 2 }));
  const shifts = new Set<string>();
  for (let n = 0; n < 32; n++) {
    const [x, y] = centerOfMass(out.subarray(n * PIXELS, (n + 1) * PIXELS));
    assert.ok(Math.abs(x - 13.5) <= 2 + 1e-4 && Math.abs(y - 13.5) <= 2 + 1e-4, `centre moved to ${x}, ${y}`);
    shifts.add(`${x.toFixed(2)},${y.toFixed(2)}`);
  }
  assert.ok(shifts.size > 25, 'each image gets its own shift');
});

test('rotating by 90 degrees turns a bar above the centre into one left of it (counter-clockwise)', () => {
  const bar = rectangle(8, 4, 20, 7); // horizontal, rows 4-6, above the centre
  const turned = new Float32Array(PIXELS);
  warpImage(bar, turned, { ...NO_WARP, rotateDegrees: 90 });
  // Counter-clockwise by 90 about (13.5, 13.5) on screen (y down) sends pixel (x, y) to (y, 27 - x).
  const expected = new Float32Array(PIXELS);
  for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) expected[(27 - x) * 28 + y] = bar[y * 28 + x];
  for (let i = 0; i < PIXELS; i++) assert.ok(Math.abs(turned[i] - expected[i]) < 1e-4, `pixel (${i % 28}, ${Math.floor(i / 28)})`);
  const [x, y] = centerOfMass(turned);
  assert.ok(x < 7 && Math.abs(y - 13.5) < 1e-3, `the bar is now left of centre, vertical: centre ${x}, ${y}`);
});

test('positive shear slants forward: the top of a vertical bar moves right, its bottom left', () => {
  const bar = rectangle(13, 4, 15, 24);
  const slanted = new Float32Array(PIXELS);
  warpImage(bar, slanted, { ...NO_WARP, shear: 0.3 });
  const [topX] = centerOfMass(Float32Array.from(slanted, (v, i) => (i < 10 * 28 ? v : 0)));
  const [bottomX] = centerOfMass(Float32Array.from(slanted, (v, i) => (i >= 18 * 28 ? v : 0)));
  assert.ok(topX > 15 && bottomX < 12, `top at x=${topX}, bottom at x=${bottomX}`);
});

test('bolder strokes have more ink and thinner strokes less, in proportion to the amount', () => {
  const ring = Float32Array.from(rings(1, 9), (v) => v / 255);
  const out = new Float32Array(PIXELS);
  const massAt = (amount: number) => {
    changeThickness(ring, out, amount);
    return mass(out);
  };
  const original = mass(ring);
  assert.ok(massAt(0.5) > original * 1.2 && massAt(1) > massAt(0.5), `bolder: ${massAt(0.5)}, ${massAt(1)} vs ${original}`);
  assert.ok(massAt(-0.5) < original * 0.85 && massAt(-1) < massAt(-0.5), `thinner: ${massAt(-0.5)}, ${massAt(-1)} vs ${original}`);
  assert.ok(Math.abs(massAt(0) - original) < 1e-4);
});

test('thickness changes go both ways, one per image, with the given probability', () => {
  const images = rings(64);
  const out = new Float32Array(64 * PIXELS);
  augmentImages(images, 64, out, new Random(4), only({ thickness: 1 }));
  let bolder = 0;
  let thinner = 0;
  for (let n = 0; n < 64; n++) {
    const ratio = mass(out, n * PIXELS) / mass(images, n * PIXELS, 1 / 255);
    if (ratio > 1.05) bolder++;
    else if (ratio < 0.95) thinner++;
  }
  assert.equal(bolder + thinner, 64, 'every image changed');
  assert.ok(bolder > 16 && thinner > 16, `bolder ${bolder}, thinner ${thinner}`);
  augmentImages(images, 64, out, new Random(4), only({ thickness: 0 }));
  for (let n = 0; n < 64; n++) assert.ok(Math.abs(mass(out, n * PIXELS) - mass(images, n * PIXELS, 1 / 255)) < 1e-3);
});

test('every output pixel stays in 0..1, even for saturated input and strong options', () => {
  const white = new Uint8Array(8 * PIXELS).fill(255);
  const noise = new Float32Array(8 * PIXELS);
  const random = new Random(8);
  for (let i = 0; i < noise.length; i++) noise[i] = random.next();
  const out = new Float32Array(8 * PIXELS);
  for (const source of [white, noise]) {
    augmentImages(source, 8, out, random, { ...STRONG_AUGMENT, thickness: 1, elastic: { ...STRONG_AUGMENT.elastic, probability: 1 } });
    for (const v of out) assert.ok(v >= 0 && v <= 1, `pixel ${v}`);
  }
});

test("elastic distortion moves the strokes but keeps every image's ink mass within 40% and the mean within 10%", () => {
  const images = rings(64);
  const out = new Float32Array(64 * PIXELS);
  augmentImages(images, 64, out, new Random(11), only({ elastic: { ...DEFAULT_AUGMENT.elastic, probability: 1 } }));
  let ratios = 0;
  for (let n = 0; n < 64; n++) {
    const before = mass(images, n * PIXELS, 1 / 255);
    // The field stretches and squeezes strokes locally (ink mass scales with 1/det of its Jacobian).
    const ratio = mass(out, n * PIXELS) / before;
    assert.ok(ratio > 0.6 && ratio < 1.4, `image ${n}: ink mass ratio ${ratio}`);
    ratios += ratio;
    let moved = 0;
    for (let i = 0; i < PIXELS; i++) moved += Math.abs(out[n * PIXELS + i] - images[n * PIXELS + i] / 255);
    assert.ok(moved > 0.1 * before, `image ${n} changed by only ${moved}`);
  }
  assert.ok(Math.abs(ratios / 64 - 1) < 0.1, `mean ink mass ratio ${ratios / 64}`);
});

test('a stronger elastic alpha displaces more', () => {
  const images = rings(32);
  const change = (alpha: number) => {
    const out = new Float32Array(32 * PIXELS);
    augmentImages(images, 32, out, new Random(12), only({ elastic: { probability: 1, alpha, sigma: 4 } }));
    let sum = 0;
    for (let i = 0; i < out.length; i++) sum += Math.abs(out[i] - images[i] / 255);
    return sum;
  };
  assert.ok(change(0) < 1e-3, 'alpha 0 is the identity');
  assert.ok(change(10) < change(30), 'alpha 30 changes more than alpha 10');
});

test('bad options and sizes throw a RangeError naming the problem', () => {
  const images = new Uint8Array(2 * PIXELS);
  const out = new Float32Array(2 * PIXELS);
  const random = new Random(1);
  const cases: [Partial<AugmentOptions>, RegExp][] = [
    [{ scale: [-1, 1] }, /scale/],
    [{ scale: [1.2, 0.8] }, /lo <= hi/],
    [{ rotateDegrees: Number.NaN }, /rotateDegrees/],
    [{ shear: -0.1 }, /shear/],
    [{ translate: Number.POSITIVE_INFINITY }, /translate/],
    [{ thickness: 1.5 }, /thickness/],
    [{ elastic: { probability: Number.NaN, alpha: 30, sigma: 4 } }, /elastic\.probability/],
    [{ elastic: { probability: 0.5, alpha: -1, sigma: 4 } }, /elastic\.alpha/],
    [{ elastic: { probability: 0.5, alpha: 30, sigma: 0 } }, /elastic\.sigma/],
  ];
  for (const [change, message] of cases) {
    assert.throws(() => augmentImages(images, 2, out, random, { ...DEFAULT_AUGMENT, ...change }), (error: Error) => error instanceof RangeError && message.test(error.message), JSON.stringify(change));
  }
  assert.throws(() => augmentImages(images, 3, out, random), /src holds/);
  assert.throws(() => augmentImages(images, 2, new Float32Array(PIXELS), random), /out holds/);
  assert.throws(() => augmentImages(images, -1, out, random), /count/);
});

test('Random: shuffle is a permutation, and state() resumes the same stream', () => {
  const random = new Random(2024);
  const array = Uint32Array.from({ length: 1000 }, (_, i) => i);
  random.shuffle(array);
  assert.deepEqual([...array].sort((a, b) => a - b), Array.from({ length: 1000 }, (_, i) => i));
  assert.ok(array.some((v, i) => v !== i), 'the order changed');

  const saved = random.state();
  const expected = [random.next(), random.normal(), random.int(10), random.uniform(-3, 3)];
  const resumed = Random.fromState(saved);
  assert.deepEqual([resumed.next(), resumed.normal(), resumed.int(10), resumed.uniform(-3, 3)], expected);
  assert.deepEqual(new Random(7).state(), new Random(7).state());
  assert.notDeepEqual(new Random(7).state(), new Random(8).state());
  assert.throws(() => Random.fromState([0, 0, 0, 0]), RangeError);
  assert.throws(() => Random.fromState([1, 2, 3]), RangeError);
});

test('Random: next is uniform in [0,1), int in 0..n-1, normal has mean 0 and variance 1', () => {
  const random = new Random(99);
  const n = 20000;
  let sum = 0;
  let sumSquares = 0;
  const counts = new Array<number>(10).fill(0);
  for (let i = 0; i < n; i++) {
    const u = random.next();
    assert.ok(u >= 0 && u < 1);
    counts[random.int(10)]++;
    const z = random.normal();
    sum += z;
    sumSquares += z * z;
  }
  assert.ok(Math.abs(sum / n) < 0.05, `mean ${sum / n}`);
  assert.ok(Math.abs(sumSquares / n - 1) < 0.05, `variance ${sumSquares / n}`);
  for (const count of counts) assert.ok(Math.abs(count - n / 10) < 300, `int(10) counts ${counts}`);
  assert.throws(() => random.int(0), RangeError);
});

test('on real MNIST digits the defaults keep the ink inside the frame and about as heavy', async (t) => {
  if (!process.env.DIGITS_DATA_DIR) return t.skip('DIGITS_DATA_DIR not set');
  const mnist = await loadMnist('test', { download: false });
  const count = 512;
  const out = new Float32Array(count * PIXELS);
  augmentImages(mnist.images, count, out, new Random(1), DEFAULT_AUGMENT);
  let before = 0;
  let after = 0;
  let border = 0; // ink in the outermost 1-px ring of the frame (MNIST has none: digits sit in the central 20x20)
  for (let n = 0; n < count; n++) {
    before += mass(mnist.images, n * PIXELS, 1 / 255);
    after += mass(out, n * PIXELS);
    for (let i = 0; i < PIXELS; i++) {
      const x = i % 28;
      const y = Math.floor(i / 28);
      if (x === 0 || y === 0 || x === 27 || y === 27) border += out[n * PIXELS + i];
    }
  }
  assert.ok(after / before > 0.85 && after / before < 1.25, `mean ink mass ratio ${after / before}`);
  assert.ok(border / after < 0.005, `share of ink on the frame's edge ${border / after}`);
});
