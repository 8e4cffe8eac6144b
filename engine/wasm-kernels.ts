// Kernels that training needs on the tfjs wasm backend, which lacks Conv2DBackpropFilter and runs
// transposed matMul and the input-gradient conv slowly. Each kernel is composed from the backend's
// own fast kernels (plain conv2d, plain matMul, slice, transpose), so no C++ is involved.
import * as tf from '@tensorflow/tfjs';

type Info = tf.TensorInfo;
type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };
type KernelFn = (args: KernelArgs) => Info;
interface WasmBackend { disposeData(dataId: object): boolean }

const BACKEND = 'wasm';

function original(name: string): KernelFn {
  const config = tf.getKernel(name, BACKEND);
  if (!config) throw new Error(`wasm backend has no ${name} kernel`);
  return config.kernelFunc as unknown as KernelFn;
}

/** Calls wasm kernels by name and frees the intermediates it made. */
class KernelScope {
  private readonly made: Info[] = [];
  constructor(private readonly backend: unknown, private readonly kernels: Record<string, KernelFn>) {}

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

  /** Frees everything made in this scope except `keep`. */
  finish(keep: Info): Info {
    for (const info of this.made) if (info !== keep) (this.backend as WasmBackend).disposeData(info.dataId);
    return keep;
  }
}

function transposeLastTwo(scope: KernelScope, x: Info): Info {
  const perm = x.shape.map((_, i) => i);
  const n = perm.length;
  [perm[n - 2], perm[n - 1]] = [perm[n - 1], perm[n - 2]];
  return scope.transpose(x, perm);
}

function isUnitStride(strides: unknown): boolean {
  return strides === 1 || (Array.isArray(strides) && strides.every((s) => s === 1));
}

/** Registers the training kernels on the wasm backend. Safe to call more than once. */
export function registerWasmTrainingKernels(): void {
  if (tf.getKernel('Conv2DBackpropFilter', BACKEND)) return;
  const kernels: Record<string, KernelFn> = {};
  for (const name of ['Reshape', 'Transpose', 'Slice', 'StridedSlice', 'PadV2', 'Concat', 'Conv2D', 'Reverse', 'BatchMatMul', 'Conv2DBackpropInput']) {
    kernels[name] = original(name);
  }
  const plainMatMul = kernels.BatchMatMul;
  const slowInputGradient = kernels.Conv2DBackpropInput;

  // matMul with transpose flags: an explicit transpose, then the plain (fast) matMul.
  replaceKernel('BatchMatMul', (args) => {
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return plainMatMul(args);
    const scope = new KernelScope(args.backend, kernels);
    const a = transposeA ? transposeLastTwo(scope, args.inputs.a as Info) : (args.inputs.a as Info);
    const b = transposeB ? transposeLastTwo(scope, args.inputs.b as Info) : (args.inputs.b as Info);
    return scope.finish(scope.run('BatchMatMul', { a, b }, { transposeA: false, transposeB: false }));
  });

  // Input gradient of a stride-1 NHWC conv: a conv of dy with the filter rotated by 180 degrees
  // and its in/out channels swapped.
  replaceKernel('Conv2DBackpropInput', (args) => {
    const attrs = args.attrs as { strides: number | number[]; pad: unknown; dataFormat: string; inputShape: number[] };
    const dy = args.inputs.dy as Info;
    const filter = args.inputs.filter as Info;
    const [fh, fw] = filter.shape;
    const sameOdd = attrs.pad === 'same' && fh % 2 === 1 && fw % 2 === 1;
    if (!isUnitStride(attrs.strides) || attrs.dataFormat !== 'NHWC' || !(sameOdd || attrs.pad === 'valid')) {
      return slowInputGradient(args);
    }
    const scope = new KernelScope(args.backend, kernels);
    const rotated = scope.transpose(scope.run('Reverse', { x: filter }, { dims: [0, 1] }), [0, 1, 3, 2]);
    const source = attrs.pad === 'valid'
      ? scope.run('PadV2', { x: dy }, { paddings: [[0, 0], [fh - 1, fh - 1], [fw - 1, fw - 1], [0, 0]], constantValue: 0 })
      : dy;
    const dx = scope.run('Conv2D', { x: source, filter: rotated }, {
      strides: 1, pad: attrs.pad === 'valid' ? 'valid' : 'same', dataFormat: 'NHWC', dilations: 1, dimRoundingMode: undefined,
    } as unknown as tf.NamedAttrMap);
    return scope.finish(dx);
  });

  // Filter gradient: for every filter tap (kh, kw), dW[kh, kw] = x_shifted^T . dy, computed as
  // dy^T (transposed once) times the shifted input slice, so every product is a plain matMul.
  registerNewKernel('Conv2DBackpropFilter', (args) => {
    const attrs = args.attrs as { strides: number | [number, number]; pad: 'same' | 'valid' | number; dataFormat: string; dimRoundingMode?: 'floor' | 'round' | 'ceil'; filterShape: [number, number, number, number] };
    if (attrs.dataFormat !== 'NHWC') throw new Error('Conv2DBackpropFilter on wasm supports NHWC only');
    const x = args.inputs.x as Info;
    const dy = args.inputs.dy as Info;
    const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
    const { batchSize: n, filterHeight: fh, filterWidth: fw, inChannels: ci, outChannels: co, outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw, padInfo } = info;
    const scope = new KernelScope(args.backend, kernels);
    const padded = scope.run('PadV2', { x }, {
      paddings: [[0, 0], [padInfo.top, padInfo.bottom], [padInfo.left, padInfo.right], [0, 0]], constantValue: 0,
    });
    const rows = n * oh * ow;
    const dyT = scope.transpose(scope.reshape(dy, [1, rows, co]), [0, 2, 1]);
    const taps: Info[] = [];
    for (let kh = 0; kh < fh; kh++) {
      for (let kw = 0; kw < fw; kw++) {
        const shifted = sh === 1 && sw === 1
          ? scope.run('Slice', { x: padded }, { begin: [0, kh, kw, 0], size: [n, oh, ow, ci] })
          : scope.run('StridedSlice', { x: padded }, {
            begin: [0, kh, kw, 0], end: [n, kh + (oh - 1) * sh + 1, kw + (ow - 1) * sw + 1, ci], strides: [1, sh, sw, 1],
            beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0,
          });
        const product = scope.run('BatchMatMul', { a: dyT, b: scope.reshape(shifted, [1, rows, ci]) }, { transposeA: false, transposeB: false });
        taps.push(scope.reshape(product, [1, co, ci]));
      }
    }
    const stacked = taps.length === 1 ? taps[0] : scope.run('Concat', taps as unknown as tf.NamedTensorInfoMap, { axis: 0 });
    // [fh*fw, co, ci] -> [fh*fw, ci, co] -> [fh, fw, ci, co]
    return scope.finish(scope.reshape(scope.transpose(stacked, [0, 2, 1]), [fh, fw, ci, co]));
  });
}

function replaceKernel(name: string, kernelFunc: KernelFn): void {
  const previous = tf.getKernel(name, BACKEND);
  tf.unregisterKernel(name, BACKEND);
  tf.registerKernel({ kernelName: name, backendName: BACKEND, kernelFunc: kernelFunc as unknown as tf.KernelFunc, setupFunc: previous?.setupFunc });
}

function registerNewKernel(name: string, kernelFunc: KernelFn): void {
  tf.registerKernel({ kernelName: name, backendName: BACKEND, kernelFunc: kernelFunc as unknown as tf.KernelFunc });
}
