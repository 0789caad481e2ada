// Batch normalisation on the engine (Mean over leading axes, Tile of a per-channel vector, Square,
// FusedBatchNorm, the gradients the engine registers for FusedBatchNorm and Mean, and batchNormInTraining, the
// layer's training path) against tfjs cpu, on odd shapes: odd heights and widths, channels 1, 3, 32, batches 1
// and 5; the same bits on 1 and 2 threads.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { ENGINE_BACKEND, useEngine } from '../../src/engine/index.ts';
import { BATCH_NORM_GRAD_SUMS } from '../../src/engine/kernels/BatchNormGrad.ts';
import { BATCH_NORM_GRAD_INPUT, batchNormInTraining } from '../../src/engine/kernels/BatchNormTraining.ts';
import { SQUARE_GRAD } from '../../src/engine/kernels/SquareGrad.ts';
import { compareWithCpu, countKernelCalls, randn } from './helpers.ts';
import type { Compared } from './helpers.ts';

const SHAPES: number[][] = [[1, 3, 5, 1], [5, 7, 3, 3], [5, 9, 11, 32], [1, 13, 7, 32]];
// over 2^17 floats: the kernels split it between two threads
const BIG: number[] = [5, 29, 29, 32];

/** Runs `op` on the engine with 1 thread and then 2, and asserts the outputs are the same bits. */
async function assertSameOnOneAndTwoThreads(what: string, op: () => tf.Tensor | tf.Tensor[]): Promise<void> {
  const byThreads: Compared[][] = [];
  for (const threads of [1, 2]) {
    await useEngine({ threads });
    byThreads.push(tf.tidy(() => {
      const out = op();
      return (Array.isArray(out) ? out : [out]).map((t) => ({ shape: t.shape, values: t.dataSync() as Float32Array }));
    }));
  }
  byThreads[0].forEach((one, i) => assert.deepEqual(byThreads[1][i], one, `${what} output ${i}: 1 and 2 threads differ`));
}

test('mean over the leading axes equals tfjs cpu (per-channel means of NHWC, keepDims, all axes) and runs on the engine', async () => {
  await useEngine({ threads: 2 });
  let seed = 1;
  for (const shape of [...SHAPES, BIG]) {
    const s = seed++;
    const { calls } = await compareWithCpu(`mean [${shape}] over N,H,W`, () => tf.mean(randn(shape, s), [0, 1, 2]), 1e-6, 'Mean');
    assert.equal(calls, 1, 'the engine kernel ran');
    await compareWithCpu(`mean [${shape}] over N keepDims`, () => tf.mean(randn(shape, s), 0, true), 1e-6);
    await compareWithCpu(`mean [${shape}] of everything`, () => tf.mean(randn(shape, s)), 1e-6);
  }
  // not leading axes: tfjs cpu's kernel, same answer
  await compareWithCpu('mean over H,W', () => tf.mean(randn([5, 7, 3, 3], 9), [1, 2]), 1e-6);
});

test('tile of a (1,1,1,C) vector to (N,H,W,C) equals tfjs cpu exactly; other tilings still work', async () => {
  await useEngine({ threads: 2 });
  for (const shape of [...SHAPES, BIG]) {
    const C = shape[3];
    const { engine, calls } = await compareWithCpu(`tile [1,1,1,${C}] to [${shape}]`,
      () => tf.tile(randn([1, 1, 1, C], C), [shape[0], shape[1], shape[2], 1]), 0, 'Tile');
    assert.equal(calls, 1);
    assert.deepEqual(engine[0].shape, shape);
  }
  await compareWithCpu('tile [1,3] by [4,1]', () => tf.tile(randn([1, 3], 2), [4, 1]), 0);
  await compareWithCpu('tile [2,3] by [2,2] (interleaving: the cpu kernel)', () => tf.tile(randn([2, 3], 3), [2, 2]), 0);
});

test('square equals tfjs cpu exactly', async () => {
  await useEngine({ threads: 2 });
  for (const shape of [...SHAPES, BIG]) {
    const { calls } = await compareWithCpu(`square [${shape}]`, () => tf.square(randn(shape, 5)), 0, 'Square');
    assert.equal(calls, 1);
  }
});

test("square's gradient (dy * 2x in one pass) equals tfjs cpu's exactly", async () => {
  await useEngine({ threads: 2 });
  for (const shape of [...SHAPES, BIG]) {
    const { calls } = await compareWithCpu(`d square [${shape}]`, () => {
      const dy = randn(shape, 6);
      return tf.grad((x: tf.Tensor) => tf.square(x).mul(dy).sum())(randn(shape, 7));
    }, 0, SQUARE_GRAD);
    assert.equal(calls, 1);
  }
});

test('batch normalisation (per-channel mean, variance, offset, scale; without offset or scale) equals tfjs cpu', async () => {
  await useEngine({ threads: 2 });
  let seed = 10;
  for (const shape of [...SHAPES, BIG]) {
    const C = shape[3], s = seed;
    seed += 5;
    const params = () => ({
      x: randn(shape, s).mul(3).add(1),
      mean: randn([C], s + 1),
      variance: tf.randomUniform([C], 0.1, 4, 'float32', s + 2),
      offset: randn([C], s + 3),
      scale: randn([C], s + 4),
    });
    const { calls } = await compareWithCpu(`batchNorm [${shape}]`, () => {
      const p = params();
      return tf.batchNorm(p.x, p.mean, p.variance, p.offset, p.scale, 1e-3);
    }, 1e-5, 'FusedBatchNorm');
    assert.equal(calls, 1);
    await compareWithCpu(`batchNorm [${shape}] no offset, no scale`, () => {
      const p = params();
      return tf.batchNorm(p.x, p.mean, p.variance, undefined, undefined, 0.01);
    }, 1e-5);
  }
});

/** A tiny conv + BatchNorm + dense model, seeded, built on the current backend. */
function tinyBatchNormModel(channels: number): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [9, 7, 3], filters: channels, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.heUniform({ seed: 1 }) }));
  model.add(tf.layers.batchNormalization());
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 4, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }));
  return model;
}

/** Every trainable weight's gradient of a softmax loss, then the moving mean and variance after that step. */
function batchNormModelGradients(batch: number, channels: number): tf.Tensor[] {
  const model = tinyBatchNormModel(channels);
  const x = randn([batch, 9, 7, 3], 21).mul(2).add(0.5);
  const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 1, 2, 0].slice(0, batch).concat(Array(Math.max(0, batch - 7)).fill(3)), 'int32'), 4);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { grads } = tf.variableGrads(
    () => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, vars);
  const bn = model.layers[1];
  const moving = bn.getWeights().slice(2).map((w) => w.clone()); // moving mean, moving variance
  const out = [...vars.map((v) => grads[v.name].clone()), ...moving];
  model.dispose();
  return out;
}

test('a conv + BatchNorm + dense model has the gradients and moving statistics of tfjs cpu, through the engine kernels', async () => {
  await useEngine({ threads: 2 });
  for (const [batch, channels] of [[1, 3], [5, 1], [5, 32]]) {
    const { calls } = await compareWithCpu(`batch ${batch}, ${channels} channels`, () => batchNormModelGradients(batch, channels), 2e-5, BATCH_NORM_GRAD_INPUT);
    assert.equal(calls, 1, 'the layer trained through batchNormInTraining');
  }
  // in inference the layer keeps tfjs's own call: the moving statistics, no batch mean
  const { calls } = await compareWithCpu('BatchNorm in inference', () => {
    const model = tinyBatchNormModel(4);
    const y = model.apply(randn([5, 9, 7, 3], 22), { training: false }) as tf.Tensor;
    const out = y.clone();
    model.dispose();
    return out;
  }, 1e-5, 'Mean');
  assert.equal(calls, 0, 'no batch moments in inference');
});

test('batchNormInTraining: y, mean, variance and the gradients to x, scale and offset equal tfjs moments + batchNorm on cpu', async () => {
  await useEngine({ threads: 2 });
  let seed = 40;
  for (const shape of [...SHAPES, BIG, [7, 16], [1, 1, 1, 5]]) {
    const C = shape[shape.length - 1];
    const s = seed++;
    const inputs = () => ({
      // means up to 300 next to a spread of 1: the variance must not come from E[x^2] - E[x]^2 in f32
      x: randn(shape, s).add(tf.linspace(-3, 300, C)), scale: randn([C], s + 100), offset: randn([C], s + 200), dy: randn(shape, s + 300),
    });
    const leading = shape.slice(0, -1).map((_, i) => i);
    const reference = () => {
      const { x, scale, offset, dy } = inputs();
      const f = (xs: tf.Tensor, sc: tf.Tensor, of: tf.Tensor) => {
        const { mean, variance } = tf.moments(xs, leading);
        return tf.batchNorm(xs, mean, variance, of, sc, 1e-3);
      };
      const { mean, variance } = tf.moments(x, leading);
      const grads = tf.grads((xs: tf.Tensor, sc: tf.Tensor, of: tf.Tensor) => f(xs, sc, of).mul(dy).sum())([x, scale, offset]);
      return [f(x, scale, offset), mean, variance, ...grads];
    };
    const fused = () => {
      const { x, scale, offset, dy } = inputs();
      const [y, mean, variance] = batchNormInTraining(x, scale, offset, 1e-3);
      const grads = tf.grads((xs: tf.Tensor, sc: tf.Tensor, of: tf.Tensor) => batchNormInTraining(xs, sc, of, 1e-3)[0].mul(dy).sum())([x, scale, offset]);
      return [y, mean, variance, ...grads];
    };
    await tf.setBackend('cpu');
    const cpu = tf.tidy(() => reference().map((t) => ({ shape: t.shape, values: t.dataSync() as Float32Array })));
    await tf.setBackend(ENGINE_BACKEND);
    const before = tf.memory().numTensors;
    const { result, calls } = countKernelCalls(BATCH_NORM_GRAD_INPUT, () => tf.tidy(() => fused().map((t) => ({ shape: t.shape, values: t.dataSync() as Float32Array }))));
    assert.equal(calls, 1, `[${shape}]: dx by the engine kernel`);
    assert.equal(tf.memory().numTensors, before, `[${shape}]: no tensor left behind`);
    const names = ['y', 'mean', 'variance', 'dx', 'dscale', 'doffset'];
    result.forEach((r, i) => {
      assert.deepEqual(r.shape, cpu[i].shape, `[${shape}] ${names[i]} shape`);
      let scaleOf = 0.1, worst = 0; // a floor: with one row dx is 0, as a * dy - a * dy rounded
      r.values.forEach((v, j) => {
        scaleOf = Math.max(scaleOf, Math.abs(cpu[i].values[j]));
        worst = Math.max(worst, Math.abs(v - cpu[i].values[j]));
      });
      assert.ok(worst <= 2e-4 * scaleOf, `[${shape}] ${names[i]}: off by ${worst} (largest ${scaleOf})`);
    });
  }
});

test('batch normalisation kernels and gradients give the same bits on 1 and 2 threads', async () => {
  const C = BIG[3];
  await assertSameOnOneAndTwoThreads('mean, square, tile, batchNorm', () => {
    const x = randn(BIG, 3);
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    return [mean, variance, tf.tile(mean.reshape([1, 1, 1, C]), [BIG[0], BIG[1], BIG[2], 1]),
      tf.batchNorm(x, mean, variance, randn([C], 4), randn([C], 5), 1e-3)];
  });
  await assertSameOnOneAndTwoThreads('batchNormInTraining and its gradients', () => {
    const x = randn(BIG, 10), offset = randn([C], 11), scale = randn([C], 12), dy = randn(BIG, 13);
    const f = (xs: tf.Tensor, o: tf.Tensor, s: tf.Tensor) => batchNormInTraining(xs, s, o, 1e-3)[0].mul(dy).sum();
    return [...batchNormInTraining(x, scale, offset, 1e-3), ...tf.grads(f as (...args: tf.Tensor[]) => tf.Tensor)([x, offset, scale])];
  });
  await assertSameOnOneAndTwoThreads('gradients of a BatchNorm layer', () => {
    const x = randn(BIG, 6), offset = randn([C], 7), scale = randn([C], 8), dy = randn(BIG, 9);
    const f = (xs: tf.Tensor, o: tf.Tensor, s: tf.Tensor) => {
      const { mean, variance } = tf.moments(xs, [0, 1, 2]);
      return tf.batchNorm(xs, mean, variance, o, s, 1e-3).mul(dy).sum();
    };
    return tf.grads(f as (...args: tf.Tensor[]) => tf.Tensor)([x, offset, scale]);
  });
  await useEngine({ threads: 2 });
  assert.equal(tf.getBackend(), ENGINE_BACKEND);
});
