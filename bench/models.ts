// One training step of the project's architectures, as the benchmarks run it: the model from
// src/model (logits out), softmax cross-entropy, Adadelta lr 1.0 for the Keras CNN (as mnist_cnn.py),
// Adam 1e-3 for the others (engineAdadelta/engineAdam: tfjs's updates in one pass on the engine); dropout on (training: true). Inputs are random: speed does not depend on them.
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../src/model/index.ts';
import { engineAdadelta, engineAdam } from '../src/engine/index.ts';

export interface TrainStep {
  model: tf.LayersModel;
  /** Runs one step on the fixed batch and returns the loss (read back, so the step has finished). */
  step(): number;
  /** Frees the model, the optimizer and the batch. */
  dispose(): void;
}

/** Random images in 0..1 (n,28,28,1) and one-hot labels (n,10), seeded. */
export function randomBatch(n: number, seed = 7): { x: tf.Tensor4D; y: tf.Tensor2D } {
  return tf.tidy(() => {
    const x = tf.randomUniform([n, 28, 28, 1], 0, 1, 'float32', seed) as tf.Tensor4D;
    const labels = tf.randomUniform([n], 0, 10, 'float32', seed + 1).floor().toInt();
    const y = tf.oneHot(labels as tf.Tensor1D, 10).toFloat() as tf.Tensor2D;
    return { x, y };
  });
}

export function makeOptimizer(arch: string): tf.Optimizer {
  // the engine's one-pass updates, as the training loop uses (other backends get tfjs's own update)
  return arch === 'keras-cnn' ? engineAdadelta(1.0) : engineAdam(1e-3);
}

/**
 * The architecture with a batch normalisation layer after each convolution (after its relu, as the layers are
 * built): a BatchNorm variant for profiling the engine's normalisation kernels without a new architecture in
 * src/model. The convolutions and the rest are the architecture's own layers, reused.
 */
export function withBatchNorm(model: tf.LayersModel): tf.LayersModel {
  const input = tf.input({ shape: model.inputs[0].shape.slice(1) as number[] });
  let x: tf.SymbolicTensor = input;
  for (const layer of model.layers) {
    x = layer.apply(x) as tf.SymbolicTensor;
    if (layer.getClassName() === 'Conv2D') x = tf.layers.batchNormalization().apply(x) as tf.SymbolicTensor;
  }
  return tf.model({ inputs: input, outputs: x, name: `${model.name}-bn` });
}

export function makeTrainStep(arch: string, batch: number, seed = 1, options: { batchNorm?: boolean } = {}): TrainStep {
  const built = buildModel(arch, { seed });
  const model = options.batchNorm ? withBatchNorm(built) : built;
  const optimizer = makeOptimizer(arch);
  const { x, y } = randomBatch(batch, seed);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  return {
    model,
    step() {
      const loss = optimizer.minimize(
        () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
        true,
        vars,
      )!;
      const value = loss.dataSync()[0];
      loss.dispose();
      return value;
    },
    dispose() {
      optimizer.dispose();
      model.dispose();
      x.dispose();
      y.dispose();
    },
  };
}
