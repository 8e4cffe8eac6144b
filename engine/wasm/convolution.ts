// Convolution gradients for training on wasm: the filter gradient wasm lacks, a faster input
// gradient, and the gradient of the condition network's 2x2 average pool.
import * as tf from '@tensorflow/tfjs';
import { type Info, type Kernels, KernelScope, original, registerNewKernel, replaceKernel, type WasmBackend } from './shared.ts';

function isUnitStride(strides: unknown): boolean {
  return strides === 1 || (Array.isArray(strides) && strides.every((s) => s === 1));
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

export function registerConvolutionKernels(kernels: Kernels): void {
  const slowInputGradient = kernels.Conv2DBackpropInput;
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
    const rotated = scope.adopt(rotateFilter(args.backend as WasmBackend, filter));
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
}
