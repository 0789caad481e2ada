// A sequential layers model run as a plain chain of TensorFlow.js ops, for inference: the kernels its layers call,
// in the same order and with the same arguments, so the same numbers, without tfjs-layers' per-layer bookkeeping
// (symbolic checks, call hooks, masks, nested tidies). That bookkeeping cost ~0.15 ms of a one-digit call of the
// default model (0.97 -> 0.83 ms on the engine, one thread: `npm run bench -- server --profile`), on the server's
// busiest thread.
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

/** Each layer of a sequential model as one op (dropout as none); null when some layer has no such translation. */
export function inferenceSteps(model: tf.LayersModel): Step[] | null {
  if (!(model instanceof tf.Sequential)) return null;
  const steps: Step[] = [];
  for (const layer of model.layers) {
    const step = layerStep(layer);
    if (!step) return null;
    steps.push(step);
  }
  return steps;
}

// The op each kind of layer calls at inference (tfjs-layers: Conv2D -> fused.conv2d, Dense -> fused.matMul,
// BatchNormalization -> batchNorm with the moving statistics, MaxPooling2D -> maxPool, Flatten -> reshape).
function layerStep(layer: tf.layers.Layer): Step | null {
  const config = layer.getConfig() as Record<string, unknown>;
  const weights = layer.weights.map((w) => w.read());
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
      return (h) => (h.rank === 2 ? tf.fused.matMul({ a: h as tf.Tensor2D, b: kernel, bias, activation }) : (layer.apply(h) as tf.Tensor));
    }
    case 'BatchNormalization': {
      if (![-1, 3].includes(config.axis as number)) return null;
      // weights: gamma (when scaled), beta (when centred), the moving mean, the moving variance
      const queue = [...weights];
      const gamma = config.scale ? queue.shift() : undefined;
      const beta = config.center ? queue.shift() : undefined;
      const [mean, variance] = queue;
      const epsilon = config.epsilon as number;
      return (h) => tf.batchNorm(h, mean, variance, beta, gamma, epsilon);
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
