// Relu's gradient in one kernel: dx = x > 0 ? dy : 0. tfjs's registered gradient is mul(dy, step(x)): two
// passes over a (N,H,W,C) activation and a temporary the size of it, for every relu layer of a training step.
// The engine registers this kernel and makes Relu's gradient call it whenever the engine is the backend
// (other backends get tfjs's formula, unchanged).
import { Relu, cast, engine, getBackend, getKernel, mul, registerGradient, step, zerosLike } from '@tensorflow/tfjs-core';
import type { GradConfig, KernelConfig, KernelFunc, NamedTensorMap, Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { ENGINE_BACKEND } from '../backend_name.ts';
import { float32Values } from './matmul_impl.ts';
import { engineReluGrad } from './elementwise_impl.ts';

/** The engine's own kernel name (tfjs has no relu-gradient kernel). */
export const RELU_GRAD = 'EngineReluGrad';

export function reluGrad(args: { inputs: { dy: TensorInfo; x: TensorInfo }; backend: MathBackendCPU }): TensorInfo {
  const { inputs, backend } = args;
  const dy = float32Values(backend, inputs.dy), x = float32Values(backend, inputs.x);
  if (dy && x && dy.length === x.length && x.length > 0) return engineReluGrad(backend, dy, x, inputs.x.shape);
  // other dtypes: tfjs's formula through the cpu kernels
  const stepped = (getKernel('Step', ENGINE_BACKEND)!.kernelFunc as KernelFunc)({ inputs: { x: inputs.x }, backend, attrs: { alpha: 0 } }) as TensorInfo;
  const out = (getKernel('Multiply', ENGINE_BACKEND)!.kernelFunc as KernelFunc)({ inputs: { a: inputs.dy, b: stepped }, backend }) as TensorInfo;
  backend.disposeIntermediateTensorInfo(stepped);
  return out;
}

export const reluGradConfig: KernelConfig = {
  kernelName: RELU_GRAD,
  backendName: ENGINE_BACKEND,
  kernelFunc: reluGrad as unknown as KernelFunc,
};

const runReluGrad = (dy: Tensor, x: Tensor) => engine().runKernel(RELU_GRAD, { dy, x } as unknown as NamedTensorMap) as Tensor;
const onEngine = () => getBackend() === ENGINE_BACKEND;

// Relu's gradient: the one-pass kernel on the engine, tfjs's own formula elsewhere.
const reluGradient: GradConfig = {
  kernelName: Relu,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved;
    const d = dy as Tensor;
    return { x: () => (onEngine() && x.dtype === 'float32' && d.dtype === 'float32' ? runReluGrad(d, x) : mul(d, cast(step(x), 'float32'))) };
  },
};

// The kernel's own gradient (a gradient of a gradient): linear in dy, zero almost everywhere in x.
const reluGradGradient: GradConfig = {
  kernelName: RELU_GRAD,
  inputsToSave: ['x'],
  gradFunc: (ddx, saved) => {
    const [x] = saved;
    return { dy: () => runReluGrad(ddx as Tensor, x), x: () => zerosLike(x) };
  },
};

/** Makes Relu's gradient use the engine kernel when the engine is the backend. */
export function registerReluGradient(): void {
  registerGradient(reluGradient);
  registerGradient(reluGradGradient);
}
