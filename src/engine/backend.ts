// The 'digits-engine' TensorFlow.js backend: tfjs's cpu backend (tensor storage stays JS Float32Arrays, every
// cpu kernel keeps working) with the engine's kernels registered over the hot ones.
import { getKernelsForBackend, registerBackend, registerKernel, findBackendFactory } from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { ENGINE_BACKEND } from './backend_name.ts';
import { ENGINE_KERNELS } from './kernels/index.ts';
import { registerReluGradient } from './kernels/ReluGrad.ts';
import { registerBatchNormGradients } from './kernels/BatchNormGrad.ts';
import { registerSquareGradient } from './kernels/SquareGrad.ts';
import { replaceBatchNormTrainingCall } from './layers_batch_norm.ts';
import { replaceConv2DTrainingCall } from './layers_conv2d.ts';
import { registerConv2DBiasReluGradient } from './kernels/Conv2DBiasRelu.ts';
import { registerDropoutGradient } from './kernels/Dropout.ts';
import { replaceDropoutTrainingCall } from './layers_dropout.ts';
import { engineRuntime, hasEngineRuntime } from './runtime.ts';
import type { BackendValues, DataId, DataType } from '@tensorflow/tfjs-core';
import { recycler } from './recycler.ts';
import type { TensorHeap } from './tensor_heap.ts';

export class EngineBackend extends MathBackendCPU {
  constructor() {
    super();
    // the cpu backend's first write advises installing tfjs-node in Node: not advice for this backend
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }

  override write(values: BackendValues, shape: number[], dtype: DataType): DataId {
    return super.write(this.retained(values), shape, dtype);
  }

  override move(dataId: DataId, values: BackendValues, shape: number[], dtype: DataType, refCount: number): void {
    super.move(dataId, this.retained(values), shape, dtype, refCount);
  }

  /** Values to keep: a copy when the array is the engine's to reuse once the tensor is gone. */
  override readSync(dataId: DataId): BackendValues {
    const values = super.readSync(dataId);
    return recycler.owns(values) || this.heap()?.inMemory(values) ? (values as Float32Array).slice() : values;
  }

  /** Frees the tensor's cached weight packings with it, and its array or heap block for reuse. */
  override disposeData(dataId: DataId, force?: boolean): boolean {
    const values = this.data.get(dataId)?.values;
    const gone = super.disposeData(dataId, force);
    if (gone && !this.data.has(dataId)) {
      recycler.release(values);
      this.heap()?.release(values);
      if (hasEngineRuntime()) engineRuntime().cache.evict(dataId);
    }
    return gone;
  }

  private heap(): TensorHeap | null {
    return hasEngineRuntime() ? engineRuntime().heap : null;
  }

  // Counts a new tensor data entry on an engine array; a view of part of a heap block (a cpu kernel's slice of a
  // resident tensor) is copied out instead, so no tensor ever outlives the block it views.
  private retained(values: BackendValues): BackendValues {
    const heap = this.heap();
    if (heap?.inMemory(values)) {
      if (heap.offsetOf(values) < 0) return (values as Float32Array).slice();
      heap.retain(values);
      return values;
    }
    recycler.retain(values);
    return values;
  }
}

/** Registers the backend and its kernels once; later calls do nothing. */
export function registerEngineBackend(): void {
  if (findBackendFactory(ENGINE_BACKEND)) return;
  const ours = new Set(ENGINE_KERNELS.map((k) => k.kernelName));
  for (const config of getKernelsForBackend('cpu')) {
    if (!ours.has(config.kernelName)) registerKernel({ ...config, backendName: ENGINE_BACKEND });
  }
  for (const config of ENGINE_KERNELS) registerKernel(config);
  registerBackend(ENGINE_BACKEND, () => new EngineBackend(), 1);
  registerReluGradient();
  registerBatchNormGradients();
  registerSquareGradient();
  registerConv2DBiasReluGradient();
  registerDropoutGradient();
  replaceBatchNormTrainingCall();
  replaceConv2DTrainingCall();
  replaceDropoutTrainingCall();
}
