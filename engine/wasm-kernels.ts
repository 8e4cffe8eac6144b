// Kernels that training needs on the tfjs wasm backend, which lacks Conv2DBackpropFilter and runs
// transposed matMul and the input-gradient conv slowly. Each kernel is composed from the backend's
// own fast kernels (plain conv2d, plain matMul, slice, transpose), so no C++ is involved.
import * as tf from '@tensorflow/tfjs';

type Info = tf.TensorInfo;
type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };
type KernelFn = (args: KernelArgs) => Info;
interface WasmBackend {
  disposeData(dataId: object): boolean;
  makeOutput(shape: number[], dtype: tf.DataType): Info;
  typedArrayFromHeap(info: Info): tf.TypedArray;
  incRef(dataId: object): void;
}

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

  /** Adopts a tensor made outside the scope, so finish() frees it too. */
  keep(info: Info): Info {
    this.made.push(info);
    return info;
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
  for (const name of ['Reshape', 'Transpose', 'Slice', 'PadV2', 'Conv2D', 'BatchMatMul', 'Conv2DBackpropInput', 'Fill', 'Add']) {
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
  // and its in/out channels swapped (rotated in JS, see rotateFilter).
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
    const rotated = scope.keep(rotateFilter(args.backend as WasmBackend, filter));
    const source = attrs.pad === 'valid'
      ? scope.run('PadV2', { x: dy }, { paddings: [[0, 0], [fh - 1, fh - 1], [fw - 1, fw - 1], [0, 0]], constantValue: 0 })
      : dy;
    const dx = scope.run('Conv2D', { x: source, filter: rotated }, {
      strides: 1, pad: attrs.pad === 'valid' ? 'valid' : 'same', dataFormat: 'NHWC', dilations: 1, dimRoundingMode: undefined,
    } as unknown as tf.NamedAttrMap);
    return scope.finish(dx);
  });

  // Filter gradient as one conv with batch and channels swapped:
  //   dW[kh, kw, ci, co] = sum_{n,h,w} x[n, h*s + kh, w*s + kw, ci] * dy[n, h, w, co]
  // is a conv of x^T [ci, H, W, N] with dy^T [OH, OW, N, co] as the filter (dilated by the stride),
  // which XNNPACK runs as one large GEMM without copying shifted slices of x.
  registerNewKernel('Conv2DBackpropFilter', (args) => {
    const attrs = args.attrs as { strides: number | [number, number]; pad: 'same' | 'valid' | number; dataFormat: string; dimRoundingMode?: 'floor' | 'round' | 'ceil'; filterShape: [number, number, number, number] };
    if (attrs.dataFormat !== 'NHWC') throw new Error('Conv2DBackpropFilter on wasm supports NHWC only');
    const x = args.inputs.x as Info;
    const dy = args.inputs.dy as Info;
    const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
    const { filterHeight: fh, filterWidth: fw, inChannels: ci, outChannels: co, strideHeight: sh, strideWidth: sw, padInfo } = info;
    const scope = new KernelScope(args.backend, kernels);
    const xT = scope.transpose(x, [3, 1, 2, 0]);
    const dyT = scope.transpose(dy, [1, 2, 0, 3]);
    const product = scope.run('Conv2D', { x: xT, filter: dyT }, {
      strides: 1, dilations: [sh, sw], dataFormat: 'NHWC', dimRoundingMode: undefined,
      pad: [[0, 0], [padInfo.top, padInfo.bottom], [padInfo.left, padInfo.right], [0, 0]],
    } as unknown as tf.NamedAttrMap);
    // Padding that rounds the output size up can leave extra rows or columns past the filter.
    const cropped = product.shape[1] === fh && product.shape[2] === fw
      ? product
      : scope.run('Slice', { x: product }, { begin: [0, 0, 0, 0], size: [ci, fh, fw, co] });
    return scope.finish(scope.transpose(cropped, [1, 2, 0, 3]));
  });

  // Sum and mean over the leading axes (bias and batch-norm gradients) as one pass over the
  // backend's memory in JS: the generic wasm reduction transposes first and is ~10x slower, and a
  // matMul with a row of ones would repack the whole tensor as a fresh right-hand side.
  const reduceLeading = (name: 'Sum' | 'Mean') => {
    const generic = original(name);
    replaceKernel(name, (args) => {
      const x = args.inputs.x as Info;
      const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
      const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
      const leading = axes.length > 0 && axes.length < x.shape.length && axes.every((a, i) => a === i);
      if (!leading || x.dtype !== 'float32') return generic(args);
      const rest = x.shape.slice(axes.length);
      const width = rest.reduce((a, b) => a * b, 1);
      const backend = args.backend as WasmBackend;
      const values = backend.typedArrayFromHeap(x) as Float32Array;
      const rows = values.length / width;
      const totals = sumRows(values, width);
      const out = backend.makeOutput(keepDims ? [...axes.map(() => 1), ...rest] : rest, 'float32');
      const scale = name === 'Mean' ? 1 / rows : 1;
      (backend.typedArrayFromHeap(out) as Float32Array).set(totals.map((t) => t * scale));
      return out;
    });
  };
  reduceLeading('Sum');
  reduceLeading('Mean');

  // Slice and split copy straight between views of the wasm heap: the stock kernels first copy the
  // whole input out of the heap (readSync) for every slice, so splitting a tensor in k parts or
  // slicing a big one cost k whole copies.
  const genericSlice = original('Slice');
  replaceKernel('Slice', (args) => {
    const x = args.inputs.x as Info;
    if (x.dtype === 'string') return genericSlice(args);
    const { begin, size } = args.attrs as { begin: number | number[]; size: number | number[] };
    const [start, extent] = tf.slice_util.parseSliceParams(x as unknown as tf.TensorInfo & { rank: number; shape: number[] } as never, begin, size);
    return sliceFromHeap(args.backend as WasmBackend, x, start, extent);
  });
  const genericSplit = original('SplitV');
  replaceKernel('SplitV', (args) => {
    const x = args.inputs.x as Info;
    if (x.dtype === 'string') return genericSplit(args);
    const { numOrSizeSplits, axis } = args.attrs as { numOrSizeSplits: number | number[]; axis: number };
    const $axis = tf.util.parseAxisParam(axis, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x as never, numOrSizeSplits, $axis);
    const start = x.shape.map(() => 0);
    return sizes.map((partSize) => {
      const extent = [...x.shape];
      extent[$axis] = partSize;
      const part = sliceFromHeap(args.backend as WasmBackend, x, [...start], extent);
      start[$axis] += partSize;
      return part;
    }) as unknown as Info;
  });

  // Concatenation with short inner runs (joining two 1-channel halves) copies element by element:
  // the stock kernel makes a subarray per run, which dominates for runs of a few values.
  const genericConcat = original('Concat');
  replaceKernel('Concat', (args) => {
    const parts = (args.inputs as unknown as Info[]).filter((t) => t.shape.every((d) => d > 0));
    if (parts.length < 2 || parts[0].dtype === 'string') return genericConcat(args);
    const axis = tf.util.parseAxisParam((args.attrs as { axis: number }).axis, parts[0].shape)[0];
    const shape = tf.backend_util.computeOutShape(parts.map((t) => t.shape), axis);
    const backend = args.backend as WasmBackend;
    const out = backend.makeOutput(shape, parts[0].dtype);
    const target = backend.typedArrayFromHeap(out);
    const sources = parts.map((t) => backend.typedArrayFromHeap(t));
    const runs = parts.map((t) => t.shape.slice(axis).reduce((a, b) => a * b, 1));
    const rows = shape.slice(0, axis).reduce((a, b) => a * b, 1);
    let position = 0;
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < parts.length; i++) {
        copyRun(sources[i], r * runs[i], target, position, runs[i]);
        position += runs[i];
      }
    }
    return out;
  });

  // Identity and same-type Cast share the input's memory (as Reshape does) instead of copying it:
  // wasm tensors are never written in place, and tf.moments / mean gradients cast float32 to float32.
  const share = (x: Info, backend: unknown): Info => {
    (backend as WasmBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
  replaceKernel('Identity', (args) => share(args.inputs.x as Info, args.backend));
  const genericCast = original('Cast');
  replaceKernel('Cast', (args) => {
    const x = args.inputs.x as Info;
    return (args.attrs as { dtype: string }).dtype === x.dtype ? share(x, args.backend) : genericCast(args);
  });

  // Gradient of a non-overlapping average pool (window = stride, no padding: the condition
  // network's 2x2 halving) spreads each dy value over its window in one pass; the stock kernel is
  // ~30x slower.
  const genericAvgPoolGrad = original('AvgPoolGrad');
  replaceKernel('AvgPoolGrad', (args) => {
    const dy = args.inputs.dy as Info;
    const input = args.inputs.input as Info;
    const { filterSize, strides, pad } = args.attrs as { filterSize: number | number[]; strides: number | number[]; pad: unknown };
    const [fh, fw] = Array.isArray(filterSize) ? filterSize : [filterSize, filterSize];
    const [sh, sw] = Array.isArray(strides) ? strides : [strides, strides];
    const [n, h, w, c] = input.shape;
    const tiles = fh === sh && fw === sw && (pad === 'valid' || pad === 0) && h % fh === 0 && w % fw === 0;
    if (!tiles || dy.dtype !== 'float32') return genericAvgPoolGrad(args);
    const backend = args.backend as WasmBackend;
    const out = backend.makeOutput(input.shape, 'float32');
    const source = backend.typedArrayFromHeap(dy);
    const target = backend.typedArrayFromHeap(out);
    const scale = 1 / (fh * fw);
    const oh = h / fh, ow = w / fw;
    for (let b = 0; b < n; b++) {
      for (let y = 0; y < h; y++) {
        const row = (b * oh + Math.floor(y / fh)) * ow;
        for (let x = 0; x < w; x++) {
          const from = (row + Math.floor(x / fw)) * c;
          const to = ((b * h + y) * w + x) * c;
          for (let k = 0; k < c; k++) target[to + k] = source[from + k] * scale;
        }
      }
    }
    return out;
  });

  // Tile that only broadcasts size-1 axes (batch-norm gradients): zeros of the output shape plus
  // x, which the broadcasting Add does at memory speed; the generic Tile is element by element.
  const genericTile = original('Tile');
  replaceKernel('Tile', (args) => {
    const x = args.inputs.x as Info;
    const { reps } = args.attrs as { reps: number[] };
    const broadcast = x.dtype === 'float32' && reps.every((r, i) => r === 1 || x.shape[i] === 1);
    if (!broadcast) return genericTile(args);
    const scope = new KernelScope(args.backend, kernels);
    const zeros = scope.run('Fill', {}, { shape: x.shape.map((d, i) => d * reps[i]), value: 0, dtype: 'float32' });
    return scope.finish(scope.run('Add', { a: zeros, b: x }));
  });
}

/**
 * W[kh, kw, ci, co] -> W[fh-1-kh, fw-1-kw, co, ci] in one pass over the heap: the stock Reverse
 * kernel takes ~20 ms for a 3x3x128x128 filter, longer than the convolution it prepares.
 */
function rotateFilter(backend: WasmBackend, filter: Info): Info {
  const [fh, fw, ci, co] = filter.shape;
  const out = backend.makeOutput([fh, fw, co, ci], 'float32');
  const source = backend.typedArrayFromHeap(filter);
  const target = backend.typedArrayFromHeap(out);
  for (let kh = 0; kh < fh; kh++) {
    for (let kw = 0; kw < fw; kw++) {
      const from = ((fh - 1 - kh) * fw + (fw - 1 - kw)) * ci * co;
      const to = (kh * fw + kw) * co * ci;
      for (let i = 0; i < ci; i++) {
        for (let o = 0; o < co; o++) target[to + o * ci + i] = source[from + i * co + o];
      }
    }
  }
  return out;
}

/** Copies length values; short runs element by element, since a subarray costs more than that. */
function copyRun(source: tf.TypedArray, from: number, target: tf.TypedArray, to: number, length: number): void {
  if (length >= 32) {
    target.set(source.subarray(from, from + length), to);
    return;
  }
  for (let i = 0; i < length; i++) target[to + i] = source[from + i];
}

/** Copies x[start : start + extent] into a new tensor, one contiguous run at a time. */
function sliceFromHeap(backend: WasmBackend, x: Info, start: number[], extent: number[]): Info {
  const out = backend.makeOutput(extent, x.dtype);
  // Views are taken after makeOutput: growing the heap detaches earlier views.
  const source = backend.typedArrayFromHeap(x);
  const target = backend.typedArrayFromHeap(out);
  const rank = x.shape.length;
  const strides = [...tf.util.computeStrides(x.shape), 1];
  // Trailing axes taken whole merge into the contiguous run.
  let inner = rank - 1;
  let run = rank === 0 ? 1 : extent[inner];
  while (inner > 0 && extent[inner] === x.shape[inner]) {
    inner--;
    run *= extent[inner];
  }
  if (rank === 0 || inner === 0) {
    const offset = rank === 0 ? 0 : start[0] * strides[0];
    target.set(source.subarray(offset, offset + run));
    return out;
  }
  // Walk the outer indices (axes 0 .. inner-1) like an odometer.
  const index = new Array<number>(inner).fill(0);
  const runs = target.length / run;
  for (let r = 0; r < runs; r++) {
    let offset = start[inner] * strides[inner];
    for (let a = 0; a < inner; a++) offset += (start[a] + index[a]) * strides[a];
    copyRun(source, offset, target, r * run, run);
    for (let a = inner - 1; a >= 0; a--) {
      if (++index[a] < extent[a]) break;
      index[a] = 0;
    }
  }
  return out;
}

/** Column sums of a row-major [rows, width] array, eight rows per pass (2x faster in V8). */
function sumRows(values: Float32Array, width: number): Float64Array {
  const rows = values.length / width;
  const totals = new Float64Array(width);
  let r = 0;
  for (; r + 8 <= rows; r += 8) {
    for (let c = 0, i = r * width; c < width; c++, i++) {
      totals[c] += values[i] + values[i + width] + values[i + 2 * width] + values[i + 3 * width]
        + values[i + 4 * width] + values[i + 5 * width] + values[i + 6 * width] + values[i + 7 * width];
    }
  }
  for (; r < rows; r++) for (let c = 0; c < width; c++) totals[c] += values[r * width + c];
  return totals;
}

function replaceKernel(name: string, kernelFunc: KernelFn): void {
  const previous = tf.getKernel(name, BACKEND);
  tf.unregisterKernel(name, BACKEND);
  tf.registerKernel({ kernelName: name, backendName: BACKEND, kernelFunc: kernelFunc as unknown as tf.KernelFunc, setupFunc: previous?.setupFunc });
}

function registerNewKernel(name: string, kernelFunc: KernelFn): void {
  tf.registerKernel({ kernelName: name, backendName: BACKEND, kernelFunc: kernelFunc as unknown as tf.KernelFunc });
}
