import test from 'node:test';
import assert from 'node:assert/strict';
import { dilate, erode, rotate, shear, pasteOffCentre, mnistVariantSets, penStrokeSet, robustnessRows } from '../../src/train/robustness.ts';
import { toMnistImage, centerOfMass } from '../../src/vision/index.ts';

const size = 28;
const ink = (image: Float32Array) => image.reduce((a, b) => a + b, 0);
const com = (image: Float32Array) => centerOfMass({ width: size, height: size, data: image });

/** A 28x28 image with 1 at the given (x, y) pixels. */
function imageWith(pixels: [number, number][]): Float32Array {
  const image = new Float32Array(size * size);
  for (const [x, y] of pixels) image[y * size + x] = 1;
  return image;
}

/** A vertical bar, 2 px wide, rows 4-23: a crude '1'. */
function bar(): Float32Array {
  const pixels: [number, number][] = [];
  for (let y = 4; y < 24; y++) pixels.push([13, y], [14, y]);
  return imageWith(pixels);
}

test('dilation grows a dot into a plus, erosion shrinks a 3x3 block to its centre', () => {
  const plus = dilate(imageWith([[10, 10]]));
  assert.equal(ink(plus), 5);
  for (const [x, y] of [[10, 10], [9, 10], [11, 10], [10, 9], [10, 11]]) assert.equal(plus[y * size + x], 1);
  const block: [number, number][] = [];
  for (let y = 4; y <= 6; y++) for (let x = 4; x <= 6; x++) block.push([x, y]);
  const eroded = erode(imageWith(block));
  assert.equal(ink(eroded), 1);
  assert.equal(eroded[5 * size + 5], 1);
});

test('rotating by 90 degrees turns a dot right of centre to below it (clockwise on screen)', () => {
  const turned = rotate(imageWith([[20, 14]]), 90);
  assert.ok(turned[20 * size + 13] > 0.99, `got ${turned[20 * size + 13]}`);
  assert.ok(Math.abs(ink(turned) - 1) < 1e-6);
});

test('positive shear leans a vertical bar to the right, like italics', () => {
  const slanted = shear(bar(), 0.4);
  const top = slanted.map((v, i) => (i < 14 * size ? v : 0));
  const bottom = slanted.map((v, i) => (i >= 14 * size ? v : 0));
  assert.ok(com(top)[0] > com(bottom)[0] + 3, `top x ${com(top)[0]}, bottom x ${com(bottom)[0]}`);
});

test('a digit pasted in a corner comes back centred through toMnistImage', () => {
  const corner = pasteOffCentre(bar(), 64, 36, 0);
  const [x, y] = centerOfMass(corner);
  assert.ok(x > 45 && y < 20);
  const [cx, cy] = com(toMnistImage(corner));
  assert.ok(Math.abs(cx - 14) < 0.5 && Math.abs(cy - 14) < 0.5, `centre of mass ${cx}, ${cy}`);
});

test('MNIST variant sets keep the labels, change the images and are the same for the same seed', () => {
  const images = new Float32Array(4 * size * size);
  for (let i = 0; i < 4; i++) images.set(bar(), i * size * size);
  const labels = [1, 1, 7, 1];
  const sets = mnistVariantSets(images, labels, 4, 5);
  assert.deepEqual(
    sets.map((s) => s.name),
    ['bolder', 'thinner', 'slanted', 'rotated', 'shifted + re-centred'],
  );
  for (const set of sets) {
    assert.equal(set.count, 4);
    assert.deepEqual([...set.labels], labels);
    assert.notDeepEqual(set.images.slice(0, size * size), bar(), `${set.name} left the image unchanged`);
  }
  assert.ok(ink(sets[0].images) > ink(images) && ink(sets[1].images) < ink(images));
  assert.deepEqual(mnistVariantSets(images, labels, 4, 5)[3].images, sets[3].images);
  assert.notDeepEqual(mnistVariantSets(images, labels, 4, 6)[3].images, sets[3].images);
});

test('pen-stroke digits cover 0-9, are centred MNIST-style images, and are the same for the same seed', () => {
  const set = penStrokeSet({ seed: 3, copies: 1, sizes: [40], penWidths: [0.08] });
  assert.deepEqual(new Set(set.labels), new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
  for (let i = 0; i < set.count; i++) {
    const image = set.images.subarray(i * size * size, (i + 1) * size * size);
    const [cx, cy] = com(image);
    assert.ok(ink(image) > 20 && Math.abs(cx - 14) < 1 && Math.abs(cy - 14) < 1, `image ${i} (digit ${set.labels[i]})`);
  }
  assert.deepEqual(penStrokeSet({ seed: 3, copies: 1, sizes: [40], penWidths: [0.08] }).images, set.images);
});

test('each robustness row is the accuracy of the scores on that set', async () => {
  const labels = Uint8Array.from([3, 3, 1, 0, 3]);
  const set = { name: 'fives', description: '', images: new Float32Array(5 * size * size), labels, count: 5 };
  // a model that always says 3, scored two images at a time
  const alwaysThree = async (_images: Float32Array, count: number) => {
    const scores = new Float32Array(count * 10);
    for (let i = 0; i < count; i++) scores[i * 10 + 3] = 1;
    return scores;
  };
  const [row] = await robustnessRows(alwaysThree, [set], 2);
  assert.equal(row.n, 5);
  assert.equal(row.accuracy, 3 / 5);
});
