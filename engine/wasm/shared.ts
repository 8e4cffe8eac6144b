// What the wasm training kernels share: access to the stock kernels they wrap or replace, a scope
// that runs kernels and frees intermediates, and the view of the wasm backend they rely on.
import * as tf from '@tensorflow/tfjs';

export type Info = tf.TensorInfo;
export type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };
export type KernelFn = (args: KernelArgs) => Info;
/** The stock wasm kernels, captured before any is replaced. */
export type Kernels = Record<string, KernelFn>;

export interface WasmBackend {
  disposeData(dataId: object): boolean;
  makeOutput(shape: number[], dtype: tf.DataType): Info;
  typedArrayFromHeap(info: Info): tf.TypedArray;
  incRef(dataId: object): void;
}

export const BACKEND = 'wasm';

export function original(name: string): KernelFn {
  const config = tf.getKernel(name, BACKEND);
  if (!config) throw new Error(`wasm backend has no ${name} kernel`);
  return config.kernelFunc as unknown as KernelFn;
}

/** Calls stock kernels by name and frees the intermediates it made. */
export class KernelScope {
  private readonly made: Info[] = [];
  constructor(private readonly backend: unknown, private readonly kernels: Kernels) {}

  run(name: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}): Info {
    const out = this.kernels[name]({ inputs, backend: this.backend, attrs });
    this.made.push(out);
    return out;
  }

  reshape(x: Info, shape: number[]): Info {
    return this.run('Reshape', { x }, { shape });
  }

  transpose(x: Info, perm: number[]): Info {
    return this.run('Transpose', { x }, { perm });
  }

  /** Adopts a tensor made outside the scope, so finish() frees it too. */
  adopt(info: Info): Info {
    this.made.push(info);
    return info;
  }

  /** Frees everything made in this scope except the result. */
  finish(result: Info): Info {
    for (const info of this.made) if (info !== result) (this.backend as WasmBackend).disposeData(info.dataId);
    return result;
  }
}

export function replaceKernel(name: string, kernelFunc: KernelFn): void {
  const previous = tf.getKernel(name, BACKEND);
  tf.unregisterKernel(name, BACKEND);
  tf.registerKernel({ kernelName: name, backendName: BACKEND, kernelFunc: kernelFunc as unknown as tf.KernelFunc, setupFunc: previous?.setupFunc });
}

export function registerNewKernel(name: string, kernelFunc: KernelFn): void {
  tf.registerKernel({ kernelName: name, backendName: BACKEND, kernelFunc: kernelFunc as unknown as tf.KernelFunc });
}
