// A sequential layers model run as a plain chain of TensorFlow.js ops, for inference: the kernels its layers call,
// in the same order and with the same arguments, without tfjs-layers' per-layer bookkeeping (symbolic checks, call
// hooks, masks, nested tidies). That bookkeeping cost ~0.15 ms of a one-digit call of the default model (0.97 ->
// 0.83 ms on the engine, one thread: `npm run bench -- server --profile`), on the server's busiest thread. Most
// BatchNorm layers are folded into the next layer's weights (see inferenceSteps): 5 fewer ops of the default
// model's 19, equal to model.predict up to float rounding (3e-6 on logits of 10).
// A model with a layer not listed here runs through model.predict as before.
import * as tf from '@tensorflow/tfjs';

/** (n, 28, 28, 1) images -> the model's output, inside the caller's tf.tidy. */
export type Forward = (x: tf.Tensor4D) => tf.Tensor;

type Step = (h: tf.Tensor) => tf.Tensor;

/** The model's forward pass for inference: its layers as plain ops when they all have one, else model.predict. */
export function inferenceFunction(model: tf.LayersModel): Forward {
  const steps = inferenceSteps(model);
  if (!steps) return (x) => model.predict(x) as tf.Tensor;
  return (x) => steps.reduce((h: tf.Tensor, step) => step(h), x);
}

/**
 * Each layer of a sequential model as one op (dropout as none); null when some layer has no such translation.
 * A BatchNormalization layer whose output goes (through dropouts and a flatten) into an unpadded convolution or
 * a dense layer is folded into that layer's weights: a per-channel scale and shift of the input is a scaled
 * kernel and a shifted bias. A padded convolution keeps its BatchNorm op, as its zero padding would otherwise
 * be shifted too.
 */
export function inferenceSteps(model: tf.LayersModel): Step[] | null {
  if (!(model instanceof tf.Sequential)) return null;
  const steps: Step[] = [];
  let pending: ChannelAffine | undefined; // a BatchNorm layer not yet applied
  let pendingAt = 0; // where its op goes when it cannot be folded: before any flatten, as in the model
  const keep = () => {
    if (pending) steps.splice(pendingAt, 0, pending.step);
    pending = undefined;
  };
  for (const layer of model.layers) {
    const name = layer.getClassName();
    if (!['Dropout', 'Flatten'].includes(name) && !canFold(layer)) keep();
    if (name === 'BatchNormalization') {
      const affine = batchNormAffine(layer);
      if (!affine) return null;
      [pending, pendingAt] = [affine, steps.length];
      continue;
    }
    const step = layerStep(layer, pending);
    if (!step) return null;
    if (!['Dropout', 'Flatten'].includes(name)) pending = undefined; // folded into this layer
    steps.push(step);
  }
  keep();
  return steps;
}

/** A BatchNorm layer at inference: x * scale + shift per channel (the last axis), and its own op. */
interface ChannelAffine {
  scale: Float32Array;
  shift: Float32Array;
  step: Step;
}

function batchNormAffine(layer: tf.layers.Layer): ChannelAffine | null {
  const config = layer.getConfig() as Record<string, unknown>;
  if (![-1, 3].includes(config.axis as number)) return null;
  // weights: gamma (when scaled), beta (when centred), the moving mean, the moving variance
  const queue = layer.weights.map((w) => w.read());
  const gamma = config.scale ? queue.shift() : undefined;
  const beta = config.center ? queue.shift() : undefined;
  const [mean, variance] = queue;
  const epsilon = config.epsilon as number;
  const [g, b, m, v] = [gamma, beta, mean, variance].map((t) => t?.dataSync() as Float32Array | undefined);
  const scale = m!.map((_, c) => (g ? g[c] : 1) / Math.sqrt(v![c] + epsilon));
  const shift = m!.map((mc, c) => (b ? b[c] : 0) - mc * scale[c]);
  return { scale, shift, step: (h) => tf.batchNorm(h, mean, variance, beta, gamma, epsilon) };
}

// Layers whose input may carry a folded BatchNorm: unpadded convolutions and dense layers.
const canFold = (layer: tf.layers.Layer) =>
  (layer.getClassName() === 'Conv2D' && (layer.getConfig() as Record<string, unknown>).padding === 'valid') || layer.getClassName() === 'Dense';

/**
 * A kernel whose input rows (kernel.shape[-2], input channel fastest after a flatten) are first scaled and
 * shifted by `affine`, as a kernel and bias acting on the unscaled input: W' = W * scale, b' = b + sum(W * shift).
 */
function foldInto(kernel: tf.Tensor, bias: tf.Tensor | undefined, affine: ChannelAffine): [tf.Tensor, tf.Tensor1D] {
  const w = kernel.dataSync() as Float32Array;
  const outputs = kernel.shape.at(-1)!;
  const inputs = kernel.shape.at(-2)!;
  const channels = affine.scale.length;
  const folded = new Float32Array(w.length);
  const shifted = bias ? Float32Array.from(bias.dataSync()) : new Float32Array(outputs);
  for (let k = 0; k < w.length; k++) {
    const channel = Math.floor(k / outputs) % inputs % channels;
    folded[k] = w[k] * affine.scale[channel];
    shifted[k % outputs] += w[k] * affine.shift[channel];
  }
  return [tf.tensor(folded, kernel.shape), tf.tensor1d(shifted)];
}

// The op each kind of layer calls at inference (tfjs-layers: Conv2D -> fused.conv2d, Dense -> fused.matMul,
// BatchNormalization -> batchNorm with the moving statistics, MaxPooling2D -> maxPool, Flatten -> reshape).
// `before`: a BatchNorm layer to fold into it (see canFold).
function layerStep(layer: tf.layers.Layer, before?: ChannelAffine): Step | null {
  const config = layer.getConfig() as Record<string, unknown>;
  const weights: (tf.Tensor | undefined)[] = layer.weights.map((w) => w.read());
  if (before && canFold(layer)) [weights[0], weights[1]] = foldInto(weights[0]!, weights[1], before);
  const activation = fusedActivation(config.activation);
  switch (layer.getClassName()) {
    case 'Dropout':
      return (h) => h;
    case 'Flatten':
      return (h) => tf.reshape(h, [h.shape[0], -1]);
    case 'Conv2D': {
      const dilations = config.dilationRate as number | [number, number];
      if (config.dataFormat !== 'channelsLast' || [dilations].flat().some((d) => d !== 1) || !activation) return null;
      const [filter, bias] = weights as [tf.Tensor4D, tf.Tensor1D | undefined];
      const strides = config.strides as [number, number];
      const pad = config.padding === 'same' ? 'same' : 'valid';
      return (h) => tf.fused.conv2d({ x: h as tf.Tensor4D, filter, strides, pad, dataFormat: 'NHWC', dilations, bias, activation });
    }
    case 'Dense': {
      if (!activation) return null;
      const [kernel, bias] = weights as [tf.Tensor2D, tf.Tensor1D | undefined];
      // on inputs of higher rank a dense layer acts on the last axis (and its kernel may hold a folded BatchNorm)
      return (h) => {
        if (h.rank === 2) return tf.fused.matMul({ a: h as tf.Tensor2D, b: kernel, bias, activation });
        const y = tf.fused.matMul({ a: tf.reshape(h, [-1, h.shape.at(-1)!]), b: kernel, bias, activation });
        return tf.reshape(y, [...h.shape.slice(0, -1), kernel.shape[1]]);
      };
    }
    case 'MaxPooling2D': {
      if (config.dataFormat !== 'channelsLast') return null;
      const poolSize = config.poolSize as [number, number];
      const strides = (config.strides ?? poolSize) as [number, number];
      const pad = config.padding === 'same' ? 'same' : 'valid';
      return (h) => tf.maxPool(h as tf.Tensor4D, poolSize, strides, pad);
    }
    default:
      return null;
  }
}

// The fused kernels' name for a layer's activation; undefined for one they do not fuse (softmax, tanh...).
function fusedActivation(name: unknown): 'relu' | 'linear' | undefined {
  if (name === undefined || name === null || name === 'linear') return 'linear';
  return name === 'relu' ? 'relu' : undefined;
}
