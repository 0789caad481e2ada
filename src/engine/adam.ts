// Adam in one pass per variable, in wasm (asm/optimizers.ts). tfjs's AdamOptimizer runs about a dozen element-wise ops per variable per
// step (each a full pass over memory and a fresh array): for the Keras MNIST CNN's 2.4 M weights that was the
// largest cost of a training step after the convolutions. Same update, same state variables (so getWeights,
// setWeights and checkpoints are unchanged); any backend other than the engine's keeps tfjs's own update.
import { AdamOptimizer, engine, getBackend, tensor, tidy } from '@tensorflow/tfjs-core';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';

type VariableGradients = Parameters<AdamOptimizer['applyGradients']>[0];
import { ENGINE_BACKEND } from './backend_name.ts';
import { engineRuntime } from './runtime.ts';
import { adamUpdate } from './update_impl.ts';
import { float32ValuesOf } from './tensor_values.ts';

interface AdamState {
  accBeta1: Variable;
  accBeta2: Variable;
  accumulatedFirstMoment: { originalName: string; variable: Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: Variable }[];
}

const f32 = Math.fround;

export class EngineAdamOptimizer extends AdamOptimizer {
  override applyGradients(variableGradients: VariableGradients): void {
    if (getBackend() !== ENGINE_BACKEND) {
      super.applyGradients(variableGradients);
      return;
    }
    const state = this as unknown as AdamState;
    const rt = engineRuntime();
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    const registered = engine().registeredVariables;
    // float32 constants, as tfjs makes them scalar tensors
    const beta1 = f32(this.beta1), beta2 = f32(this.beta2);
    const oneMinusBeta1 = f32(1 - this.beta1), oneMinusBeta2 = f32(1 - this.beta2);
    const negLearningRate = f32(-this.learningRate), epsilon = f32(this.epsilon);
    const correction1 = f32(1 - state.accBeta1.dataSync()[0]);
    const correction2 = f32(1 - state.accBeta2.dataSync()[0]);
    const scalars = { beta1, beta2, oneMinusBeta1, oneMinusBeta2, negLearningRate, epsilon, correction1, correction2 };
    tidy(() => {
      names.forEach((name, i) => {
        const variable = registered[name];
        if (!state.accumulatedFirstMoment[i]) {
          state.accumulatedFirstMoment[i] = { originalName: `${name}/m`, variable: tidy(() => variable.zerosLike().variable(false)) };
        }
        if (!state.accumulatedSecondMoment[i]) {
          state.accumulatedSecondMoment[i] = { originalName: `${name}/v`, variable: tidy(() => variable.zerosLike().variable(false)) };
        }
        const gradient: Tensor | undefined = Array.isArray(variableGradients) ? variableGradients[i].tensor : variableGradients[name];
        if (!gradient) return;
        const m = state.accumulatedFirstMoment[i].variable, v = state.accumulatedSecondMoment[i].variable;
        const g = float32ValuesOf(gradient), w = float32ValuesOf(variable);
        const mOld = float32ValuesOf(m), vOld = float32ValuesOf(v);
        const [mNew, vNew, wNew] = adamUpdate(rt, g, w, mOld, vOld, scalars);
        m.assign(tensor(mNew, m.shape));
        v.assign(tensor(vNew, v.shape));
        variable.assign(tensor(wNew, variable.shape));
      });
      state.accBeta1.assign(state.accBeta1.mul(this.beta1));
      state.accBeta2.assign(state.accBeta2.mul(this.beta2));
    });
    this.incrementIterations();
  }
}

/** Adam (tf.train.adam's arguments and defaults) with a one-pass update on the engine backend. */
export function engineAdam(learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon?: number): EngineAdamOptimizer {
  return new EngineAdamOptimizer(learningRate, beta1, beta2, epsilon ?? null as unknown as number);
}
