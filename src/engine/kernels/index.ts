// Every kernel the engine provides over tfjs's cpu ones; add a line per kernel.
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { batchMatMulConfig } from './BatchMatMul.ts';
import { fusedMatMulConfig } from './_FusedMatMul.ts';

export const ENGINE_KERNELS: KernelConfig[] = [
  batchMatMulConfig,
  fusedMatMulConfig,
];
