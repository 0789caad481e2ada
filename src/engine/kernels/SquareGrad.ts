// Square's gradient in one kernel: dx = dy * (x * 2). tfjs's registered gradient is mul(dy, mul(x, 2)): two
// passes and a temporary the size of x, for the squared deviations of every BatchNorm layer's moments. The
// engine registers this kernel and makes Square's gradient call it whenever the engine is the backend (other
// backends get tfjs's formula, unchanged); the products are the same f32 operations, so the same bits.
import { Square, cast, engine, getBackend, getKernel, mul, registerGradient } from '@tensorflow/tfjs-core';
import type { GradConfig, KernelConfig, KernelFunc, NamedTensorMap, Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { ENGINE_BACKEND } from '../backend_name.ts';
import { planBinary, Layout } from './broadcast_impl.ts';
import { OP_MUL_TWICE, engineBinary } from './elementwise_impl.ts';

/** The engine's own kernel name (tfjs has no square-gradient kernel). */
export const SQUARE_GRAD = 'EngineSquareGrad';

export function squareGrad(args: { inputs: { dy: TensorInfo; x: TensorInfo }; backend: MathBackendCPU }): TensorInfo {
  const { inputs, backend } = args;
  const plan = planBinary(backend, inputs.dy, inputs.x);
  if (plan && plan.layout === Layout.Same) return engineBinary(backend, plan, OP_MUL_TWICE);
  // other dtypes or shapes: tfjs's formula through the kernels
  const two = backend.makeTensorInfo([], 'float32', new Float32Array([2]));
  const mulKernel = getKernel('Multiply', ENGINE_BACKEND)!.kernelFunc as KernelFunc;
  const twiceX = mulKernel({ inputs: { a: inputs.x, b: two }, backend, attrs: {} }) as TensorInfo;
  const out = mulKernel({ inputs: { a: inputs.dy, b: twiceX }, backend, attrs: {} }) as TensorInfo;
  backend.disposeIntermediateTensorInfo(two);
  backend.disposeIntermediateTensorInfo(twiceX);
  return out;
}

export const squareGradConfig: KernelConfig = {
  kernelName: SQUARE_GRAD,
  backendName: ENGINE_BACKEND,
  kernelFunc: squareGrad as unknown as KernelFunc,
};

const onEngine = () => getBackend() === ENGINE_BACKEND;

// Square's gradient: the one-pass kernel on the engine for float32, tfjs's own formula elsewhere.
const squareGradient: GradConfig = {
  kernelName: Square,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved;
    const d = dy as Tensor;
    return {
      x: () => (onEngine() && x.dtype === 'float32' && d.dtype === 'float32'
        ? engine().runKernel(SQUARE_GRAD, { dy: d, x } as unknown as NamedTensorMap) as Tensor
        : mul(d, mul(cast(x, 'float32'), 2))),
    };
  },
};

/** Makes Square's gradient use the engine kernel when the engine is the backend. */
export function registerSquareGradient(): void {
  registerGradient(squareGradient);
}
