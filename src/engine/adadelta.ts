// Adadelta in one pass per variable, in wasm (asm/optimizers.ts). tfjs's AdadeltaOptimizer runs about a dozen
// element-wise ops per variable per step (each a full pass over memory and a fresh array): for the Keras MNIST
// CNN's 1.2 M weights that cost more than any kernel but the convolutions. Same update (tfjs's, which scales by
// the accumulated gradient from before this step, unless kerasUpdate), same state variables (so getWeights,
// setWeights and checkpoints are unchanged); any backend other than the engine's keeps tfjs's own update.
import { AdadeltaOptimizer, add, div, engine, getBackend, mul, sqrt, square, tensor, tidy } from '@tensorflow/tfjs-core';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import { ENGINE_BACKEND } from './backend_name.ts';
import { engineRuntime } from './runtime.ts';
import { adadeltaUpdate } from './update_impl.ts';
import { float32ValuesOf } from './tensor_values.ts';

type VariableGradients = Parameters<AdadeltaOptimizer['applyGradients']>[0];

interface AdadeltaState {
  learningRate: number;
  rho: number;
  epsilon: number;
  accumulatedGrads: { originalName: string; variable: Variable }[];
  accumulatedUpdates: { originalName: string; variable: Variable }[];
}

const f32 = Math.fround; // float32 constants, as tfjs makes them scalar tensors

export class EngineAdadeltaOptimizer extends AdadeltaOptimizer {
  /**
   * Divide by the accumulated squared gradient including this step's, as Zeiler's paper and Keras do. tfjs
   * uses the one from before the step: its first step is then a plain SGD step of size lr (1.0 in the
   * Keras example), which wrecks the classic Keras MNIST CNN. Off by default, for parity with tfjs.
   */
  kerasUpdate = false;

  /** The Keras update with ordinary tfjs ops, for other backends (tfjs's own update differs, see above). */
  private applyKerasWithOps(variableGradients: VariableGradients): void {
    const state = this as unknown as AdadeltaState;
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    names.forEach((name, i) => {
      const variable = engine().registeredVariables[name];
      state.accumulatedGrads[i] ??= { originalName: `${name}/accum_grad`, variable: tidy(() => variable.zerosLike().variable(false)) };
      state.accumulatedUpdates[i] ??= { originalName: `${name}/accum_var`, variable: tidy(() => variable.zerosLike().variable(false)) };
      const gradient: Tensor | undefined = Array.isArray(variableGradients) ? variableGradients[i].tensor : variableGradients[name];
      if (!gradient) return;
      const accGrad = state.accumulatedGrads[i].variable, accUpdate = state.accumulatedUpdates[i].variable;
      tidy(() => {
        const newAccGrad = add(mul(accGrad, state.rho), mul(square(gradient), 1 - state.rho));
        const update = mul(div(sqrt(add(accUpdate, state.epsilon)), sqrt(add(newAccGrad, state.epsilon))), gradient);
        accUpdate.assign(add(mul(accUpdate, state.rho), mul(square(update), 1 - state.rho)));
        accGrad.assign(newAccGrad);
        variable.assign(add(variable, mul(update, -state.learningRate)));
      });
    });
    this.incrementIterations();
  }

  override applyGradients(variableGradients: VariableGradients): void {
    if (getBackend() !== ENGINE_BACKEND) {
      if (this.kerasUpdate) this.applyKerasWithOps(variableGradients);
      else super.applyGradients(variableGradients);
      return;
    }
    const state = this as unknown as AdadeltaState;
    const rt = engineRuntime();
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    const registered = engine().registeredVariables;
    // float32 constants, as tfjs makes them scalar tensors
    const rho = f32(state.rho), oneMinusRho = f32(1 - state.rho);
    const epsilon = f32(state.epsilon), negLearningRate = f32(-state.learningRate);
    const keras = this.kerasUpdate;
    names.forEach((name, i) => {
      const variable = registered[name];
      if (!state.accumulatedGrads[i]) {
        state.accumulatedGrads[i] = { originalName: `${name}/accum_grad`, variable: tidy(() => variable.zerosLike().variable(false)) };
      }
      if (!state.accumulatedUpdates[i]) {
        state.accumulatedUpdates[i] = { originalName: `${name}/accum_var`, variable: tidy(() => variable.zerosLike().variable(false)) };
      }
      const gradient: Tensor | undefined = Array.isArray(variableGradients) ? variableGradients[i].tensor : variableGradients[name];
      if (!gradient) return;
      const accGrad = state.accumulatedGrads[i].variable, accUpdate = state.accumulatedUpdates[i].variable;
      const g = float32ValuesOf(gradient), w = float32ValuesOf(variable);
      const gradOld = float32ValuesOf(accGrad), updateOld = float32ValuesOf(accUpdate);
      const [gradNew, updateNew, wNew] = adadeltaUpdate(rt, g, w, gradOld, updateOld, { rho, oneMinusRho, epsilon, negLearningRate, keras });
      tidy(() => {
        accGrad.assign(tensor(gradNew, accGrad.shape));
        accUpdate.assign(tensor(updateNew, accUpdate.shape));
        variable.assign(tensor(wNew, variable.shape));
      });
    });
    this.incrementIterations();
  }
}

/** Adadelta (tf.train.adadelta's arguments and defaults) with a one-pass update on the engine backend. */
export function engineAdadelta(learningRate = 0.001, rho = 0.95, epsilon?: number): EngineAdadeltaOptimizer {
  return new EngineAdadeltaOptimizer(learningRate, rho, epsilon ?? (null as unknown as number));
}
