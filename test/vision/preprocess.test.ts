import test from 'node:test';
import assert from 'node:assert/strict';
import {
  toMnistImage,
  preprocessDigit,
  renderStrokes,
  digitStrokes,
  allDigitStrokes,
  centerOfMass,
  type InkMap,
} from '../../src/vision/index.ts';

function blank(width: number, height: number): InkMap {
  return { width, height, data: new Float32Array(width * height) };
}

function fillRect(ink: InkMap, x: number, y: number, w: number, h: number): InkMap {
  for (let yy = y; yy < y + h; yy++) for (let xx = x; xx < x + w; xx++) ink.data[yy * ink.width + xx] = 1;
  return ink;
}

// Extent of the ink along one axis, in pixels: the sum of the column (or row) maxima, so grey edges count by their share.
function extent(image: Float32Array, axis: 'x' | 'y'): number {
  let total = 0;
  for (let i = 0; i < 28; i++) {
    let max = 0;
    for (let j = 0; j < 28; j++) max = Math.max(max, axis === 'x' ? image[j * 28 + i] : image[i * 28 + j]);
    total += max;
  }
  return total;
}

const mass = (image: Float32Array) => image.reduce((a, b) => a + b, 0);
const asInk = (image: Float32Array): InkMap => ({ width: 28, height: 28, data: image });

function distance(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / mass(a);
}

test('a filled rectangle ends up 20 px on its long side, centred, with its aspect ratio kept', () => {
  const ink = fillRect(blank(300, 200), 40, 30, 160, 80); // 2:1
  const image = toMnistImage(ink, { normalizeStroke: false });
  assert.ok(Math.abs(extent(image, 'x') - 20) < 0.6, `width ${extent(image, 'x')}`);
  assert.ok(Math.abs(extent(image, 'y') - 10) < 0.6, `height ${extent(image, 'y')}`);
  const [cx, cy] = centerOfMass(asInk(image));
  assert.ok(Math.abs(cx - 14) < 0.1 && Math.abs(cy - 14) < 0.1, `centre of mass (${cx}, ${cy})`);
});

test('the centre of mass lands at (14, 14) for digits drawn off-centre', () => {
  for (const [digit, box] of [
    [7, [5, 10, 50, 70]],
    [2, [140, 100, 50, 90]],
    [4, [0, 120, 30, 60]],
  ] as const) {
    const ink = renderStrokes(digitStrokes(digit), { width: 200, height: 200, box: [...box], thickness: 6 });
    const [cx, cy] = centerOfMass(asInk(toMnistImage(ink)));
    assert.ok(Math.abs(cx - 14) < 0.5 && Math.abs(cy - 14) < 0.5, `digit ${digit}: (${cx}, ${cy})`);
  }
});

test('output is white ink on black between 0 and 1, with a 20 px long side for every template', () => {
  for (const { digit, variant, strokes } of allDigitStrokes()) {
    const image = toMnistImage(renderStrokes(strokes, { width: 120, height: 120, box: [20, 10, 70, 100], thickness: 7 }));
    assert.equal(image.length, 784);
    assert.ok(image.every((v) => v >= 0 && v <= 1), `${digit} ${variant} out of range`);
    assert.ok(image[0] === 0 && image[783] === 0, 'corners are background');
    const long = Math.max(extent(image, 'x'), extent(image, 'y'));
    assert.ok(long > 18.5 && long < 21, `${digit} ${variant}: long side ${long}`);
  }
});

test('a thin and a bold pen drawing the same digit give similar ink mass and nearly the same image', () => {
  for (const digit of [0, 3, 8]) {
    const strokes = digitStrokes(digit);
    const thin = toMnistImage(renderStrokes(strokes, { width: 200, height: 200, box: [40, 20, 110, 160], thickness: 3 }));
    const bold = toMnistImage(renderStrokes(strokes, { width: 200, height: 200, box: [40, 20, 110, 160], thickness: 22 }));
    assert.ok(Math.abs(mass(thin) - mass(bold)) / mass(thin) < 0.12, `digit ${digit}: ${mass(thin)} vs ${mass(bold)}`);
    assert.ok(distance(thin, bold) < 0.3, `digit ${digit}: difference ${distance(thin, bold)}`);
  }
});

test('a thin pen is redrawn and says so; a pen already as thick as MNIST\'s, or normalizeStroke: false, is left as written', () => {
  const strokes = digitStrokes(4);
  const pen = (thickness: number) => renderStrokes(strokes, { width: 200, height: 200, box: [40, 20, 110, 160], thickness });
  const thin = preprocessDigit(pen(3));
  const written = preprocessDigit(pen(3), { normalizeStroke: false });
  assert.equal(thin.redrawn, true, 'a 3 px pen on a 160 px digit');
  assert.equal(written.redrawn, false);
  assert.ok(mass(written.image) < 0.6 * mass(thin.image), `as written ${mass(written.image)} vs redrawn ${mass(thin.image)}`);
  // strokes that land at ~2.7 px of 20 are kept, so the image is the one normalizeStroke: false gives
  const mnistLike = preprocessDigit(pen(21));
  assert.equal(mnistLike.redrawn, false);
  assert.deepEqual(mnistLike.image, preprocessDigit(pen(21), { normalizeStroke: false }).image);
  assert.equal(preprocessDigit(blank(20, 20)).redrawn, false, 'empty ink');
});

test('the same digit drawn at 100 px and at 400 px gives nearly the same 28x28 image', () => {
  const strokes = digitStrokes(5);
  const small = toMnistImage(renderStrokes(strokes, { width: 100, height: 100, box: [20, 10, 60, 80], thickness: 4 }));
  const large = toMnistImage(renderStrokes(strokes, { width: 400, height: 400, box: [80, 40, 240, 320], thickness: 16 }));
  assert.ok(distance(small, large) < 0.15, `difference ${distance(small, large)}`);
});

test('strokes end up about as thick as MNIST strokes, 2-3 px', () => {
  // a long vertical bar: its width at 28x28 is its mass over its 20 px length
  const ink = renderStrokes([[[0.5, 0.05], [0.5, 0.95]]], { width: 300, height: 300, thickness: 30 });
  const image = toMnistImage(ink);
  const width = mass(image) / extent(image, 'y');
  assert.ok(width > 2 && width < 3.3, `stroke width ${width}`);
});

test('empty ink gives an all-zero image flagged as empty', () => {
  const result = preprocessDigit(blank(50, 40));
  assert.equal(result.empty, true);
  assert.ok(result.image.every((v) => v === 0));
  assert.equal(mass(toMnistImage(blank(10, 10))), 0);
});

test('a tiny input (a 28x28 MNIST-sized drawing) is enlarged, not lost', () => {
  const ink = renderStrokes(digitStrokes(3), { width: 28, height: 28, box: [6, 4, 14, 20], thickness: 2 });
  const result = preprocessDigit(ink);
  assert.equal(result.empty, false);
  assert.ok(Math.max(extent(result.image, 'x'), extent(result.image, 'y')) > 18.5);
});

test('an MNIST test digit drawn 3x larger comes back close to the original', async (t) => {
  const dir = process.env.DIGITS_DATA_DIR;
  if (!dir) return t.skip('DIGITS_DATA_DIR not set');
  const { readFileSync } = await import('node:fs');
  const { gunzipSync } = await import('node:zlib');
  const { join } = await import('node:path');
  const { resampleInk } = await import('../../src/vision/index.ts');
  const bytes = gunzipSync(readFileSync(join(dir, 't10k-images-idx3-ubyte.gz')));
  const count = 300;
  let cosine = 0;
  let massOriginal = 0;
  let massOurs = 0;
  for (let k = 0; k < count; k++) {
    const original = new Float32Array(784);
    for (let i = 0; i < 784; i++) original[i] = bytes[16 + k * 784 + i] / 255;
    const ours = toMnistImage(resampleInk({ width: 28, height: 28, data: original }, 0, 0, 3, 84, 84));
    let ab = 0;
    let aa = 0;
    let bb = 0;
    for (let i = 0; i < 784; i++) {
      ab += original[i] * ours[i];
      aa += original[i] ** 2;
      bb += ours[i] ** 2;
    }
    cosine += ab / Math.sqrt(aa * bb) / count;
    massOriginal += mass(original) / count;
    massOurs += mass(ours) / count;
  }
  assert.ok(cosine > 0.8, `mean cosine similarity ${cosine.toFixed(3)}`);
  assert.ok(Math.abs(massOurs / massOriginal - 1) < 0.25, `mean ink mass ${massOurs.toFixed(1)} vs MNIST's ${massOriginal.toFixed(1)}`);
});
