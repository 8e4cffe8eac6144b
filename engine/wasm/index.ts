// Kernels that training needs on the tfjs wasm backend, which lacks Conv2DBackpropFilter and runs
// transposed matMul, the input-gradient conv and several memory-bound kernels slowly. They are
// composed from the backend's own fast kernels or work on views of its heap: no C++ is involved.
import * as tf from '@tensorflow/tfjs';
import { registerConvolutionKernels } from './convolution.ts';
import { registerMatMulKernels } from './matmul.ts';
import { registerMemoryKernels } from './memory.ts';
import { registerReductionKernels } from './reductions.ts';
import { BACKEND, type Kernels, original } from './shared.ts';

/** Registers the training kernels on the wasm backend. Safe to call more than once. */
export function registerWasmTrainingKernels(): void {
  if (tf.getKernel('Conv2DBackpropFilter', BACKEND)) return;
  const kernels: Kernels = {};
  for (const name of ['Reshape', 'Transpose', 'Slice', 'PadV2', 'Conv2D', 'BatchMatMul', 'Conv2DBackpropInput', 'Fill', 'Add']) {
    kernels[name] = original(name);
  }
  registerMatMulKernels(kernels);
  registerConvolutionKernels(kernels);
  registerReductionKernels();
  registerMemoryKernels(kernels);
}
