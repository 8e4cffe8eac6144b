// Kernels that only move memory (slice, split, concat, identity, cast, broadcasting tile), done on
// views of the wasm heap instead of the stock kernels' whole-tensor copies.
import * as tf from '@tensorflow/tfjs';
import { type Info, type Kernels, KernelScope, original, replaceKernel, type WasmBackend } from './shared.ts';

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

export function registerMemoryKernels(kernels: Kernels): void {
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
