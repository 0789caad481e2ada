import test from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { ARCHITECTURES, buildModel, buildVerifier } from '../../src/model/index.ts';
import { inferenceFunction, inferenceSteps } from '../../src/model/inference.ts';

// Every weight random (moving variances positive), so BatchNorm's four weights cannot be swapped unnoticed.
function randomizeWeights(model: tf.LayersModel, seed: number): void {
  model.setWeights(
    model.weights.map((w, k) =>
      w.name.includes('variance') ? tf.randomUniform(w.shape as number[], 0.5, 1.5, 'float32', seed + k) : tf.randomUniform(w.shape as number[], -0.5, 0.5, 'float32', seed + k),
    ),
  );
}

const models: [string, () => tf.LayersModel][] = [...ARCHITECTURES.map((arch) => [arch, () => buildModel(arch, { seed: 2 })] as [string, () => tf.LayersModel]), ['verifier', () => buildVerifier(2)]];

// Folding a BatchNorm layer into the next layer's weights sums in another order: equal up to float rounding.
function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length);
  const scale = Math.max(1, ...Array.from(expected, Math.abs));
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= 1e-5 * scale, `${what}: value ${i} is ${actual[i]}, model.predict gives ${expected[i]}`);
  }
}

// Small weights from a seed, for the hand-built models below.
const init = (seed: number) => tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed });

// A strided convolution to (8, 8, 3) and a BatchNorm layer after it: the head of the hand-built models.
const convThenBatchNorm = () => [
  tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 3, kernelSize: 5, strides: 3, activation: 'relu', kernelInitializer: init(1) }),
  tf.layers.batchNormalization(),
];

const batchNorms = (model: tf.LayersModel) => model.layers.filter((l) => l.getClassName() === 'BatchNormalization').length;

for (const [name, build] of models) {
  test(`${name}: the plain-op forward pass gives model.predict's numbers`, () => {
    const model = build();
    randomizeWeights(model, 7);
    assert.ok(inferenceSteps(model), `${name} should run as plain ops`);
    const x = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 11) as tf.Tensor4D;
    const expected = (model.predict(x) as tf.Tensor).dataSync();
    const actual = tf.tidy(() => inferenceFunction(model)(x)).dataSync();
    if (batchNorms(model) === 0) assert.deepEqual(actual, expected); // the same kernels with the same arguments
    else assertClose(actual, expected, name);
  });
}

test('BatchNorm layers before unpadded convolutions and dense layers are folded into them, not before padded ones', () => {
  const model = buildModel('default', { seed: 2 });
  // default: 7 convolutions, each followed by BatchNorm; the 3rd and 6th convolutions are padded ('same'), so the
  // BatchNorm before each of them stays an op; the other 5 fold into the layer after them
  assert.equal(batchNorms(model), 7);
  assert.equal(inferenceSteps(model)!.length, model.layers.length - batchNorms(model) + 2);
});

test('a BatchNorm layer folded into a dense layer through a flatten, and a last BatchNorm kept', () => {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 3, kernelSize: 5, strides: 3, activation: 'relu', kernelInitializer: init(1) }), // (8, 8, 3)
      tf.layers.batchNormalization({ scale: false }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 4, activation: 'relu', kernelInitializer: init(2), useBias: false }),
      tf.layers.batchNormalization({ center: false }),
    ],
  });
  randomizeWeights(model, 3);
  assert.equal(inferenceSteps(model)!.length, 4); // conv, flatten, dense (with the first BatchNorm), the last BatchNorm
  const x = tf.randomUniform([2, 28, 28, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
  assertClose(tf.tidy(() => inferenceFunction(model)(x)).dataSync(), (model.predict(x) as tf.Tensor).dataSync(), 'conv-bn-flatten-dense-bn');
});

test('a BatchNorm layer folded into a dense layer acting on the last axis of a 4-d input', () => {
  const model = tf.sequential({
    layers: [
      ...convThenBatchNorm(), // (8, 8, 3)
      tf.layers.dense({ units: 4, kernelInitializer: init(2) }), // (8, 8, 4)
    ],
  });
  randomizeWeights(model, 4);
  assert.equal(inferenceSteps(model)!.length, 2);
  const x = tf.randomUniform([2, 28, 28, 1], 0, 1, 'float32', 6) as tf.Tensor4D;
  const actual = tf.tidy(() => inferenceFunction(model)(x));
  assert.deepEqual(actual.shape, [2, 8, 8, 4]);
  assertClose(actual.dataSync(), (model.predict(x) as tf.Tensor).dataSync(), 'conv-bn-dense');
});

test('a BatchNorm layer that cannot be folded keeps its place before a flatten', () => {
  const model = tf.sequential({
    layers: [
      ...convThenBatchNorm(), // (8, 8, 3)
      tf.layers.flatten(), // the model ends here: nothing to fold the BatchNorm into
    ],
  });
  randomizeWeights(model, 5);
  assert.equal(inferenceSteps(model)!.length, 3);
  const x = tf.randomUniform([2, 28, 28, 1], 0, 1, 'float32', 7) as tf.Tensor4D;
  assertClose(tf.tidy(() => inferenceFunction(model)(x)).dataSync(), (model.predict(x) as tf.Tensor).dataSync(), 'conv-bn-flatten');
});

test('a model with a layer it cannot translate runs through model.predict, with the same numbers', () => {
  const model = tf.sequential({
    layers: [tf.layers.flatten({ inputShape: [28, 28, 1] }), tf.layers.dense({ units: 10, activation: 'tanh', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) })],
  });
  assert.equal(inferenceSteps(model), null);
  const x = tf.randomUniform([2, 28, 28, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
  assert.deepEqual(tf.tidy(() => inferenceFunction(model)(x)).dataSync(), (model.predict(x) as tf.Tensor).dataSync());
});
