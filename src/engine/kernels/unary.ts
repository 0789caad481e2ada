// The engine's one-input element-wise kernels: float32 in wasm, four lanes at a time, big tensors split over
// the threads (elementwise_impl.ts). Anything else (another dtype, an empty tensor) goes to tfjs's cpu kernel.
// tfjs cpu calls a generic closure per element for these.
import { Floor, Relu, Sqrt, Square, getKernel } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo, UnaryInputs } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { ENGINE_BACKEND } from '../backend_name.ts';
import { float32Values } from './matmul_impl.ts';
import { UNARY_FLOOR, UNARY_RELU, UNARY_SQRT, UNARY_SQUARE, engineUnary } from './elementwise_impl.ts';

function unaryConfig(kernelName: string, op: number): KernelConfig {
  const kernelFunc = (args: { inputs: UnaryInputs; backend: MathBackendCPU }): TensorInfo => {
    const { inputs, backend } = args;
    const xInfo = inputs.x as TensorInfo;
    const x = float32Values(backend, xInfo);
    if (!x || x.length === 0) return (getKernel(kernelName, 'cpu')!.kernelFunc as KernelFunc)(args as never) as TensorInfo;
    return engineUnary(backend, x, xInfo.shape, op);
  };
  return { kernelName, backendName: ENGINE_BACKEND, kernelFunc: kernelFunc as unknown as KernelFunc };
}

/** max(x, 0), NaN staying NaN. */
export const reluConfig = unaryConfig(Relu, UNARY_RELU);
/** floor(x): dropout masks. */
export const floorConfig = unaryConfig(Floor, UNARY_FLOOR);
export const sqrtConfig = unaryConfig(Sqrt, UNARY_SQRT);
/** x * x: BatchNorm moments' squared deviations. */
export const squareConfig = unaryConfig(Square, UNARY_SQUARE);
