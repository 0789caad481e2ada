// Every kernel the engine provides over tfjs's cpu ones; add a line per kernel.
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { batchMatMulConfig } from './BatchMatMul.ts';
import { fusedMatMulConfig } from './_FusedMatMul.ts';
import { conv2DConfig } from './Conv2D.ts';
import { fusedConv2DConfig } from './FusedConv2D.ts';
import { conv2DBiasReluConfig, reluGradBiasConfig } from './Conv2DBiasRelu.ts';
import { dropoutConfig } from './Dropout.ts';
import { conv2DBackpropFilterConfig } from './Conv2DBackpropFilter.ts';
import { conv2DBackpropInputConfig } from './Conv2DBackpropInput.ts';
import { addConfig } from './Add.ts';
import { subConfig } from './Sub.ts';
import { multiplyConfig } from './Multiply.ts';
import { realDivConfig } from './RealDiv.ts';
import { floorConfig, reluConfig, sqrtConfig, squareConfig } from './unary.ts';
import { reluGradConfig } from './ReluGrad.ts';
import { stepConfig } from './Step.ts';
import { sumConfig } from './Sum.ts';
import { meanConfig } from './Mean.ts';
import { tileConfig } from './Tile.ts';
import { squareGradConfig } from './SquareGrad.ts';
import { fusedBatchNormConfig } from './FusedBatchNorm.ts';
import { batchNormGradSumsConfig } from './BatchNormGrad.ts';
import { batchNormGradInputConfig, momentsConfig } from './BatchNormTraining.ts';
import { maxPoolConfig } from './pool_max.ts';
import { maxPoolGradConfig } from './pool_max_grad.ts';
import { avgPoolConfig } from './pool_avg.ts';
import { avgPoolGradConfig } from './pool_avg_grad.ts';

export const ENGINE_KERNELS: KernelConfig[] = [
  batchMatMulConfig,
  fusedMatMulConfig,
  conv2DConfig,
  fusedConv2DConfig,
  conv2DBiasReluConfig,
  reluGradBiasConfig,
  dropoutConfig,
  conv2DBackpropFilterConfig,
  conv2DBackpropInputConfig,
  addConfig,
  subConfig,
  multiplyConfig,
  realDivConfig,
  reluConfig,
  reluGradConfig,
  floorConfig,
  stepConfig,
  sqrtConfig,
  sumConfig,
  meanConfig,
  tileConfig,
  squareConfig,
  squareGradConfig,
  fusedBatchNormConfig,
  batchNormGradSumsConfig,
  batchNormGradInputConfig,
  momentsConfig,
  maxPoolConfig,
  maxPoolGradConfig,
  avgPoolConfig,
  avgPoolGradConfig,
];
