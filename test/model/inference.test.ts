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

for (const [name, build] of models) {
  test(`${name}: the plain-op forward pass gives exactly model.predict's numbers`, () => {
    const model = build();
    randomizeWeights(model, 7);
    assert.ok(inferenceSteps(model), `${name} should run as plain ops`);
    const x = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 11) as tf.Tensor4D;
    const expected = (model.predict(x) as tf.Tensor).dataSync();
    const actual = tf.tidy(() => inferenceFunction(model)(x)).dataSync();
    assert.deepEqual(actual, expected);
  });
}

test('a model with a layer it cannot translate runs through model.predict, with the same numbers', () => {
  const model = tf.sequential({
    layers: [tf.layers.flatten({ inputShape: [28, 28, 1] }), tf.layers.dense({ units: 10, activation: 'tanh', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) })],
  });
  assert.equal(inferenceSteps(model), null);
  const x = tf.randomUniform([2, 28, 28, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
  assert.deepEqual(tf.tidy(() => inferenceFunction(model)(x)).dataSync(), (model.predict(x) as tf.Tensor).dataSync());
});
