// Every kernel the engine registers against tfjs's own cpu kernel, on seeded random shapes: batch 1 and odd
// sizes, strides 1 and 2, 'same' and 'valid' padding, 1 and many channels. Backward kernels are reached the
// way training reaches them, through tf.grads. Tolerances (assertClose: max abs diff over max |cpu|):
// GEMM-based kernels 1e-4 (float32 sums in another order), loops that do the same arithmetic 1e-6.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useEngine } from '../../src/engine/index.ts';
import { ENGINE_KERNELS } from '../../src/engine/kernels/index.ts';
import { compareWithCpu, pick, randInt, randn, seededRng } from './helpers.ts';

const GEMM_RTOL = 1e-4;
const EXACT_RTOL = 1e-6;
const CASES_PER_KERNEL = 8;

interface KernelCase {
  what: string;
  op: () => tf.Tensor | tf.Tensor[];
  rtol: number;
}

type CaseMaker = (rng: () => number, seed: number) => KernelCase;

const x4 = (t: tf.Tensor) => t as tf.Tensor4D;

/** A random conv: (N,H,W,inC) input, (fH,fW,inC,outC) filter, stride, padding; the output is never empty. */
function convShape(rng: () => number) {
  const stride = pick(rng, [1, 2] as const);
  const pad = pick(rng, ['same', 'valid'] as const);
  const fH = randInt(rng, 1, 5), fW = randInt(rng, 1, 5);
  const inC = pick(rng, [1, 3, randInt(rng, 2, 40)]);
  const outC = pick(rng, [1, randInt(rng, 2, 70)]);
  const n = pick(rng, [1, randInt(rng, 2, 5)]);
  const h = randInt(rng, fH, fH + 12), w = randInt(rng, fW, fW + 12);
  return { x: [n, h, w, inC], f: [fH, fW, inC, outC], stride, pad };
}

function convOutShape(c: ReturnType<typeof convShape>): number[] {
  const [n, h, w] = c.x;
  const out = (size: number, f: number) => (c.pad === 'same' ? Math.ceil(size / c.stride) : Math.ceil((size - f + 1) / c.stride));
  return [n, out(h, c.f[0]), out(w, c.f[1]), c.f[3]];
}

/** A random 2-D pooling: window 1-4, stride 1-3, either padding, 1 or many channels. */
function poolShape(rng: () => number) {
  const fH = randInt(rng, 1, 4), fW = randInt(rng, 1, 4);
  const stride = pick(rng, [1, 2, [2, 1], 3] as const) as number | [number, number];
  const pad = pick(rng, ['same', 'valid'] as const);
  const c = pick(rng, [1, randInt(rng, 2, 70)]);
  const n = pick(rng, [1, randInt(rng, 2, 4)]);
  return { x: [n, randInt(rng, fH, fH + 10), randInt(rng, fW, fW + 10), c], filter: [fH, fW] as [number, number], stride, pad };
}

function matmulShape(rng: () => number) {
  const dim = () => pick(rng, [1, randInt(rng, 2, 9), randInt(rng, 10, 150)]);
  const [m, k, n] = [dim(), dim(), dim()];
  const transposeA = rng() < 0.5, transposeB = rng() < 0.5;
  const batch = pick(rng, [0, 1, 3]); // 0: rank 2
  const lead = batch ? [batch] : [];
  return { a: [...lead, ...(transposeA ? [k, m] : [m, k])], b: [...lead, ...(transposeB ? [n, k] : [k, n])], m, n, transposeA, transposeB, lead };
}

/** Shapes for binary ops: equal, scalar, a trailing repeat (bias), or a size-1 axis on either side. */
function binaryShapes(rng: () => number): [number[], number[]] {
  const shape = [randInt(rng, 1, 4), randInt(rng, 1, 9), randInt(rng, 1, 33)];
  const other = pick(rng, ['same', 'scalar', 'bias', 'ones'] as const);
  const b = other === 'same' ? shape : other === 'scalar' ? [] : other === 'bias' ? shape.slice(-1) : [1, shape[1], shape[2]];
  return rng() < 0.5 ? [shape, b] : [b, shape];
}

const makers: Record<string, CaseMaker> = {
  Conv2D: (rng, seed) => {
    const c = convShape(rng);
    return { what: `conv2d ${JSON.stringify(c)}`, rtol: GEMM_RTOL, op: () => tf.conv2d(x4(randn(c.x, seed)), x4(randn(c.f, seed + 1)), c.stride, c.pad) };
  },
  FusedConv2D: (rng, seed) => {
    const c = convShape(rng);
    const activation = pick(rng, ['relu', 'linear'] as const);
    return {
      what: `fused conv2d ${activation} ${JSON.stringify(c)}`, rtol: GEMM_RTOL,
      op: () => tf.fused.conv2d({ x: x4(randn(c.x, seed)), filter: x4(randn(c.f, seed + 1)), strides: c.stride, pad: c.pad, bias: randn([c.f[3]], seed + 2), activation }),
    };
  },
  Conv2DBackpropInput: (rng, seed) => {
    const c = convShape(rng);
    return {
      what: `conv2d dx ${JSON.stringify(c)}`, rtol: GEMM_RTOL,
      op: () => tf.grad((x: tf.Tensor) => tf.conv2d(x4(x), x4(randn(c.f, seed + 1)), c.stride, c.pad))(x4(randn(c.x, seed)), x4(randn(convOutShape(c), seed + 2))),
    };
  },
  Conv2DBackpropFilter: (rng, seed) => {
    const c = convShape(rng);
    return {
      what: `conv2d dW ${JSON.stringify(c)}`, rtol: GEMM_RTOL,
      op: () => tf.grad((f: tf.Tensor) => tf.conv2d(x4(randn(c.x, seed)), x4(f), c.stride, c.pad))(x4(randn(c.f, seed + 1)), x4(randn(convOutShape(c), seed + 2))),
    };
  },
  BatchMatMul: (rng, seed) => {
    const s = matmulShape(rng);
    return {
      what: `matMul and its gradients ${JSON.stringify(s)}`, rtol: GEMM_RTOL,
      op: () => {
        const f = (a: tf.Tensor, b: tf.Tensor) => tf.matMul(a, b, s.transposeA, s.transposeB);
        const [a, b] = [randn(s.a, seed), randn(s.b, seed + 1)];
        return [f(a, b), ...tf.grads(f)([a, b], randn([...s.lead, s.m, s.n], seed + 2))];
      },
    };
  },
  _FusedMatMul: (rng, seed) => {
    const s = matmulShape(rng);
    const activation = pick(rng, ['relu', 'linear'] as const);
    return {
      what: `fused matMul ${activation} ${JSON.stringify(s)}`, rtol: GEMM_RTOL,
      op: () => {
        const f = (a: tf.Tensor, b: tf.Tensor, bias: tf.Tensor) =>
          tf.fused.matMul({ a, b, bias, activation, transposeA: s.transposeA, transposeB: s.transposeB });
        const inputs = [randn(s.a, seed), randn(s.b, seed + 1), randn([s.n], seed + 2)];
        return [f(inputs[0], inputs[1], inputs[2]), ...tf.grads(f)(inputs, randn([...s.lead, s.m, s.n], seed + 3))];
      },
    };
  },
  MaxPool: (rng, seed) => {
    const p = poolShape(rng);
    return { what: `maxPool ${JSON.stringify(p)}`, rtol: EXACT_RTOL, op: () => tf.maxPool(x4(randn(p.x, seed)), p.filter, p.stride, p.pad) };
  },
  MaxPoolGrad: (rng, seed) => {
    const p = poolShape(rng);
    // rounded inputs have ties in most windows: the gradient must go to the same one of them as tfjs cpu's
    const ties = rng() < 0.5;
    return {
      what: `maxPool gradient${ties ? ' with ties' : ''} ${JSON.stringify(p)}`, rtol: EXACT_RTOL,
      op: () => {
        const f = (x: tf.Tensor) => tf.maxPool(x4(x), p.filter, p.stride, p.pad);
        const x = x4(ties ? randn(p.x, seed).round() : randn(p.x, seed));
        return tf.grad(f)(x, x4(randn(f(x).shape, seed + 1)));
      },
    };
  },
  AvgPool: (rng, seed) => {
    const p = poolShape(rng);
    return { what: `avgPool ${JSON.stringify(p)}`, rtol: EXACT_RTOL, op: () => tf.avgPool(x4(randn(p.x, seed)), p.filter, p.stride, p.pad) };
  },
  AvgPoolGrad: (rng, seed) => {
    const p = poolShape(rng);
    return {
      what: `avgPool gradient ${JSON.stringify(p)}`, rtol: EXACT_RTOL,
      op: () => {
        const f = (x: tf.Tensor) => tf.avgPool(x4(x), p.filter, p.stride, p.pad);
        const x = x4(randn(p.x, seed));
        return tf.grad(f)(x, x4(randn(f(x).shape, seed + 1)));
      },
    };
  },
  Add: (rng, seed) => binaryCase('add', tf.add, rng, seed),
  Sub: (rng, seed) => binaryCase('sub', tf.sub, rng, seed),
  Multiply: (rng, seed) => binaryCase('mul', tf.mul, rng, seed),
  RealDiv: (rng, seed) => binaryCase('div', tf.div, rng, seed),
  Relu: (rng, seed) => {
    const shape = [randInt(rng, 1, 5), randInt(rng, 1, 40)];
    return { what: `relu ${shape}`, rtol: EXACT_RTOL, op: () => tf.relu(randn(shape, seed)) };
  },
  Step: (rng, seed) => {
    const shape = [randInt(rng, 1, 5), randInt(rng, 1, 40)];
    const alpha = pick(rng, [0, 0.3]);
    return { what: `step alpha ${alpha} ${shape}`, rtol: EXACT_RTOL, op: () => tf.step(randn(shape, seed).round(), alpha) };
  },
  Sqrt: (rng, seed) => {
    const shape = [randInt(rng, 1, 5), randInt(rng, 1, 40)];
    return { what: `sqrt ${shape}`, rtol: EXACT_RTOL, op: () => tf.sqrt(randn(shape, seed).abs()) };
  },
  Floor: (rng, seed) => {
    const shape = [randInt(rng, 1, 5), randInt(rng, 1, 40)];
    return { what: `floor ${shape}`, rtol: EXACT_RTOL, op: () => tf.floor(randn(shape, seed).mul(3)) };
  },
  EngineReluGrad: (rng, seed) => {
    // reached as training reaches it: relu's gradient (tfjs cpu: dy * step(x))
    const shape = pick(rng, [[randInt(rng, 1, 5), randInt(rng, 1, 40)], [randInt(rng, 1, 3), randInt(rng, 1, 9), randInt(rng, 1, 9), randInt(rng, 1, 33)]]);
    return { what: `relu gradient ${shape}`, rtol: EXACT_RTOL, op: () => tf.grad((x: tf.Tensor) => tf.relu(x))(randn(shape, seed), randn(shape, seed + 1)) };
  },
  EngineConv2DBiasRelu: (rng, seed) => {
    // reached as training reaches it: a Conv2D layer with bias and relu in training
    const c = convShape(rng);
    return { what: `conv2d layer (bias, relu) in training ${JSON.stringify(c)}`, rtol: GEMM_RTOL, op: () => convLayerInTraining(c, seed)[0] };
  },
  EngineReluGradBias: (rng, seed) => {
    // reached as training reaches it: that layer's gradients to its input, kernel and bias
    const c = convShape(rng);
    return { what: `conv2d layer (bias, relu) gradients ${JSON.stringify(c)}`, rtol: GEMM_RTOL, op: () => convLayerInTraining(c, seed).slice(1) };
  },
  EngineDropout: (rng, seed) => {
    // reached as training reaches it: a seeded Dropout layer in training. The engine draws other masks than tfjs,
    // so the outputs compared are the mask's invariants: y / x is 1 / keep wherever kept, and the gradient keeps
    // the same elements with the same scale (dx x - y dy = 0)
    const shape = [randInt(rng, 1, 4), randInt(rng, 1, 9), randInt(rng, 1, 9), pick(rng, [1, randInt(rng, 2, 40)])];
    const rate = pick(rng, [0.25, 0.4, 0.5]);
    return {
      what: `dropout ${rate} in training ${shape}`, rtol: EXACT_RTOL,
      op: () => {
        const layer = tf.layers.dropout({ rate, seed: seed * 7919 });
        const x = randn(shape, seed), dy = randn(shape, seed + 1);
        const y = layer.apply(x, { training: true }) as tf.Tensor;
        const [dx] = tf.grads((input: tf.Tensor) => (layer.apply(input, { training: true }) as tf.Tensor).mul(dy).sum())([x]);
        const scale = tf.where(y.notEqual(0), y.div(x), tf.fill(shape, 1 / (1 - rate)));
        return [scale, dx.mul(x).sub(y.mul(dy))];
      },
    };
  },
  Sum: (rng, seed) => {
    const shape = [randInt(rng, 1, 5), randInt(rng, 1, 7), randInt(rng, 1, 9), randInt(rng, 1, 33)];
    const axis = pick(rng, [[0], [0, 1, 2], [0, 1], [3], [1, 2], undefined]);
    const keepDims = rng() < 0.3;
    return { what: `sum ${shape} axis ${axis} keepDims ${keepDims}`, rtol: EXACT_RTOL, op: () => tf.sum(randn(shape, seed), axis, keepDims) };
  },
  Mean: (rng, seed) => {
    const shape = [randInt(rng, 1, 5), randInt(rng, 1, 9), randInt(rng, 1, 9), pick(rng, [1, 3, randInt(rng, 2, 70)])];
    const axis = pick(rng, [[0, 1, 2], [0], [0, 1], [1, 2], undefined]);
    const keepDims = rng() < 0.3;
    return { what: `mean ${shape} axis ${axis} keepDims ${keepDims}`, rtol: EXACT_RTOL, op: () => tf.mean(randn(shape, seed), axis, keepDims) };
  },
  Tile: (rng, seed) => {
    const C = pick(rng, [1, 3, randInt(rng, 2, 70)]);
    const [x, reps] = pick(rng, [
      [[1, 1, 1, C], [randInt(rng, 1, 5), randInt(rng, 1, 9), randInt(rng, 1, 9), 1]], // BatchNorm's broadcast
      [[1, C], [randInt(rng, 1, 9), 1]],
      [[randInt(rng, 1, 4), C], [randInt(rng, 1, 3), randInt(rng, 1, 3)]], // interleaving: the cpu kernel
    ]);
    return { what: `tile ${x} by ${reps}`, rtol: 0, op: () => tf.tile(randn(x, seed), reps) };
  },
  Square: (rng, seed) => {
    const shape = [randInt(rng, 1, 5), randInt(rng, 1, 9), randInt(rng, 1, 40)];
    return { what: `square ${shape}`, rtol: 0, op: () => tf.square(randn(shape, seed)) };
  },
  EngineSquareGrad: (rng, seed) => {
    const shape = [randInt(rng, 1, 5), randInt(rng, 1, 9), randInt(rng, 1, 40)];
    return { what: `square gradient ${shape}`, rtol: 0, op: () => tf.grad((x: tf.Tensor) => tf.square(x))(randn(shape, seed), randn(shape, seed + 1)) };
  },
  FusedBatchNorm: (rng, seed) => {
    const C = pick(rng, [1, 3, randInt(rng, 2, 70)]);
    const shape = [randInt(rng, 1, 5), randInt(rng, 1, 9), randInt(rng, 1, 9), C];
    const withParams = rng() < 0.7;
    const epsilon = pick(rng, [1e-3, 0.1]);
    return {
      what: `batchNorm ${shape}${withParams ? '' : ' without offset and scale'}`, rtol: 1e-5,
      op: () => tf.batchNorm(randn(shape, seed), randn([C], seed + 1), tf.randomUniform([C], 0, 3, 'float32', seed + 2),
        withParams ? randn([C], seed + 3) : undefined, withParams ? randn([C], seed + 4) : undefined, epsilon),
    };
  },
  EngineBatchNormGradSums: (rng, seed) => {
    // reached as training reaches it: a BatchNorm layer's gradients through moments and batchNorm
    const C = pick(rng, [1, 3, randInt(rng, 2, 70)]);
    const shape = [randInt(rng, 1, 5), randInt(rng, 1, 9), randInt(rng, 1, 9), C];
    return {
      what: `batchNorm gradients ${shape}`, rtol: 1e-5,
      op: () => {
        const f = (x: tf.Tensor, offset: tf.Tensor, scale: tf.Tensor) => {
          const { mean, variance } = tf.moments(x, [0, 1, 2]);
          return tf.batchNorm(x, mean, variance, offset, scale, 1e-3);
        };
        return tf.grads(f as (...args: tf.Tensor[]) => tf.Tensor)([randn(shape, seed).mul(2).add(1), randn([C], seed + 1), randn([C], seed + 2)], randn(shape, seed + 3));
      },
    };
  },
  EngineMoments: (rng, seed) => {
    // reached as training reaches it: a BatchNorm layer's output in training, normalised by the batch's moments
    const C = pick(rng, [1, 3, randInt(rng, 2, 70)]);
    const shape = [randInt(rng, 1, 5), randInt(rng, 1, 9), randInt(rng, 1, 9), C];
    return {
      what: `BatchNorm layer in training, output ${shape}`, rtol: 1e-5,
      op: () => {
        const layer = tf.layers.batchNormalization();
        const y = (layer.apply(randn(shape, seed).mul(3).add(2), { training: true }) as tf.Tensor).clone();
        layer.dispose();
        return y;
      },
    };
  },
  EngineBatchNormGradInput: (rng, seed) => {
    // reached as training reaches it: a BatchNorm layer in training, the engine's one operation against tfjs's ops
    const C = pick(rng, [1, 3, randInt(rng, 2, 70)]);
    const shape = [randInt(rng, 1, 5), randInt(rng, 1, 9), randInt(rng, 1, 9), C];
    return {
      what: `BatchNorm layer in training, x's gradient ${shape}`, rtol: 1e-4,
      op: () => {
        const layer = tf.layers.batchNormalization();
        const dy = randn(shape, seed + 1);
        const [dx] = tf.grads((x: tf.Tensor) => (layer.apply(x, { training: true }) as tf.Tensor).mul(dy).sum())([randn(shape, seed).mul(2).add(1)]);
        layer.dispose();
        return dx;
      },
    };
  },
};

/**
 * A seeded Conv2D layer with bias and relu applied in training to a random input: [its output, the gradients of
 * sum(output * dy) to the input, the kernel and the bias].
 */
function convLayerInTraining(c: ReturnType<typeof convShape>, seed: number): tf.Tensor[] {
  const layer = tf.layers.conv2d({
    filters: c.f[3], kernelSize: [c.f[0], c.f[1]], strides: c.stride, padding: c.pad, activation: 'relu',
    kernelInitializer: tf.initializers.heUniform({ seed }), biasInitializer: tf.initializers.randomNormal({ seed: seed + 1, stddev: 0.5 }),
  });
  const x = randn(c.x, seed + 2), dy = randn(convOutShape(c), seed + 3);
  const y = (layer.apply(x, { training: true }) as tf.Tensor).clone();
  const [kernel, bias] = layer.trainableWeights.map((w) => w.read() as tf.Variable);
  const { grads } = tf.variableGrads(() => (layer.apply(x, { training: true }) as tf.Tensor).mul(dy).sum() as tf.Scalar, [kernel, bias]);
  const [dx] = tf.grads((input: tf.Tensor) => (layer.apply(input, { training: true }) as tf.Tensor).mul(dy).sum())([x]);
  const out = [y, dx, grads[kernel.name].clone(), grads[bias.name].clone()];
  layer.dispose();
  return out;
}

function binaryCase(name: string, f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, rng: () => number, seed: number): KernelCase {
  const [aShape, bShape] = binaryShapes(rng);
  return { what: `${name} ${JSON.stringify(aShape)} ${JSON.stringify(bShape)}`, rtol: EXACT_RTOL, op: () => f(randn(aShape, seed), randn(bShape, seed + 1)) };
}

test('the harness has cases for every kernel the engine registers', () => {
  const registered = ENGINE_KERNELS.map((k) => k.kernelName);
  const missing = registered.filter((name) => !(name in makers));
  assert.deepEqual(missing, [], `kernels with no correctness cases: ${missing.join(', ')}`);
});

for (const [kernel, make] of Object.entries(makers)) {
  test(`${kernel} equals tfjs cpu on ${CASES_PER_KERNEL} random shapes`, async () => {
    await useEngine({ threads: 2 });
    const rng = seededRng(kernel.length * 7919 + kernel.charCodeAt(0));
    for (let i = 0; i < CASES_PER_KERNEL; i++) {
      const c = make(rng, 100 * i + 1);
      const { calls } = await compareWithCpu(c.what, c.op, c.rtol, kernel);
      assert.ok(calls > 0, `${c.what}: the engine's ${kernel} kernel was never called`);
    }
  });
}

test('the comparison catches a wrong kernel (a max pool scaled by 1.001 fails at 1e-6)', async () => {
  await useEngine({ threads: 2 });
  let onEngine = true;
  const op = () => {
    const y = tf.maxPool(x4(randn([2, 6, 6, 3], 5)), 2, 2, 'valid');
    return onEngine ? y.mul(1.001) : y;
  };
  await assert.rejects(async () => {
    await compareWithCpu('scaled', () => {
      const out = op();
      onEngine = false;
      return out;
    }, EXACT_RTOL);
  }, /max abs diff/);
});

test('MaxPoolGrad with disjoint windows (2x2 stride 2: tiling an even image, or leaving an odd edge) equals tfjs cpu', async () => {
  await useEngine({ threads: 2 });
  for (const [shape, ties] of [[[3, 8, 8, 32], false], [[2, 9, 7, 6], true], [[2, 6, 6, 3], true], [[1, 5, 5, 8], false]] as const) {
    for (const pad of ['valid', 'same'] as const) {
      const what = `maxPool gradient 2x2/2 ${pad} ${shape}${ties ? ' with ties' : ''}`;
      const { calls } = await compareWithCpu(what, () => {
        const f = (x: tf.Tensor) => tf.maxPool(x4(x), 2, 2, pad);
        const x = x4(ties ? randn([...shape], 3).round() : randn([...shape], 3));
        return tf.grad(f)(x, x4(randn(f(x).shape, 4)));
      }, EXACT_RTOL, 'MaxPoolGrad');
      assert.ok(calls > 0, `${what}: the engine kernel ran`);
    }
  }
});
