import { Relu, getKernel } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo, UnaryInputs } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { ENGINE_BACKEND } from '../backend_name.ts';
import { float32Values } from './matmul_impl.ts';

// out = max(x, 0) (NaN stays NaN), float32. Branch-free on the float bits: activations are half negative at
// random, so a compare-and-branch mispredicts on every other element (5x slower than this).
export function relu(args: { inputs: UnaryInputs; backend: MathBackendCPU; attrs?: { alpha?: number } }): TensorInfo {
  const { inputs, backend } = args;
  const xInfo = inputs.x as TensorInfo;
  const x = float32Values(backend, xInfo);
  if (!x) return (getKernel(Relu, 'cpu')!.kernelFunc as KernelFunc)(args as never) as TensorInfo;
  const n = x.length;
  const bits = new Int32Array(x.buffer, x.byteOffset, n);
  const out = new Float32Array(n);
  const outBits = new Int32Array(out.buffer);
  for (let i = 0; i < n; i++) {
    const b = bits[i];
    outBits[i] = b & ~(b >> 31); // sign bit set (negative, -0): all zero bits, +0
    if ((b & 0x7fffffff) > 0x7f800000) out[i] = NaN; // a NaN with its sign bit set
  }
  return backend.makeTensorInfo(xInfo.shape, 'float32', out);
}

export const reluConfig: KernelConfig = {
  kernelName: Relu,
  backendName: ENGINE_BACKEND,
  kernelFunc: relu as unknown as KernelFunc,
};
