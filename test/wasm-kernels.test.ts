import * as tf from '@tensorflow/tfjs';
import { describe, expect, it, beforeAll } from 'vitest';
import { initBackend } from '../engine/backend.ts';

/** Runs fn on the cpu backend and on wasm; returns both results as plain arrays. */
async function onBoth(fn: () => tf.Tensor[]): Promise<[Float32Array[], Float32Array[]]> {
  const run = async (backend: 'cpu' | 'wasm') => {
    await initBackend(backend);
    return tf.tidy(fn).map((t) => { const v = t.dataSync() as Float32Array; t.dispose(); return v; });
  };
  const cpu = await run('cpu');
  const wasm = await run('wasm');
  return [cpu, wasm];
}

function relativeError(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < a.length; i++) { diff += (a[i] - b[i]) ** 2; norm += a[i] ** 2; }
  return Math.sqrt(diff / Math.max(norm, 1e-30));
}

function seeded(shape: number[], seed: number): tf.Tensor {
  return tf.randomNormal(shape, 0, 1, 'float32', seed);
}

describe('wasm training kernels match the cpu backend', () => {
  beforeAll(async () => { await initBackend('wasm'); });

  const convCases: Array<{ name: string; x: number[]; w: number[]; stride: number; pad: 'same' | 'valid' }> = [
    { name: '3x3 same', x: [2, 7, 6, 5], w: [3, 3, 5, 4], stride: 1, pad: 'same' },
    { name: '3x3 valid', x: [2, 7, 6, 3], w: [3, 3, 3, 4], stride: 1, pad: 'valid' },
    { name: '1x1', x: [3, 4, 4, 6], w: [1, 1, 6, 2], stride: 1, pad: 'same' },
    { name: '3x3 stride 2', x: [2, 8, 8, 3], w: [3, 3, 3, 5], stride: 2, pad: 'same' },
    { name: '3x3 stride 2 valid, odd size', x: [2, 9, 7, 3], w: [3, 3, 3, 2], stride: 2, pad: 'valid' },
    { name: '2x2 same (asymmetric padding)', x: [1, 5, 6, 2], w: [2, 2, 2, 3], stride: 1, pad: 'same' },
  ];
  for (const c of convCases) {
    it(`conv2d gradients, ${c.name}`, async () => {
      const [cpu, wasm] = await onBoth(() => {
        const x = seeded(c.x, 1);
        const w = seeded(c.w, 2);
        const probe = seeded(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.stride, c.pad).shape, 3);
        const f = (xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, c.stride, c.pad), probe));
        const [dx, dw] = tf.grads(f)([x, w]);
        return [dx, dw];
      });
      expect(relativeError(cpu[0], wasm[0])).toBeLessThan(1e-4);
      expect(relativeError(cpu[1], wasm[1])).toBeLessThan(1e-4);
    });
  }

  for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
    it(`matMul gradients, transposeA=${ta} transposeB=${tb}`, async () => {
      const [cpu, wasm] = await onBoth(() => {
        const a = seeded(ta ? [2, 7, 5] : [2, 5, 7], 4);
        const b = seeded(tb ? [2, 3, 7] : [2, 7, 3], 5);
        const probe = seeded([2, 5, 3], 6);
        const f = (aa: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(tf.matMul(aa as tf.Tensor3D, bb as tf.Tensor3D, ta, tb), probe));
        const value = tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D, ta, tb);
        const [da, db] = tf.grads(f)([a, b]);
        return [value, da, db];
      });
      for (let i = 0; i < 3; i++) expect(relativeError(cpu[i], wasm[i])).toBeLessThan(1e-4);
    });
  }

  it('sum, mean and broadcasting tile (the replaced kernels) match, with their gradients', async () => {
    const [cpu, wasm] = await onBoth(() => {
      const x = seeded([3, 4, 5, 6], 7);
      const outputs: tf.Tensor[] = [];
      for (const axes of [[0], [0, 1, 2], [1, 2], [3], [0, 2]]) {
        outputs.push(tf.sum(x, axes), tf.mean(x, axes, true));
      }
      outputs.push(tf.tile(seeded([1, 1, 1, 6], 8), [3, 4, 5, 1]), tf.tile(seeded([2, 3], 9), [2, 2]));
      const [dx] = tf.grads((xx: tf.Tensor) => tf.sum(tf.mul(tf.batchNorm(xx, tf.mean(xx, [0, 1, 2]), tf.ones([6]), seeded([6], 10), seeded([6], 11)), seeded([3, 4, 5, 6], 12))))([x]);
      return [...outputs, dx];
    });
    expect(cpu.length).toBe(wasm.length);
    cpu.forEach((values, i) => expect(relativeError(values, wasm[i])).toBeLessThan(1e-5));
  });

  it('slice and split (the replaced kernels) match, strided and contiguous', async () => {
    const [cpu, wasm] = await onBoth(() => {
      const x = seeded([3, 4, 5, 6], 13);
      return [
        tf.slice(x, [1, 1, 2, 3], [2, 2, 3, 2]),
        tf.slice(x, [1, 0, 0, 0], [1, 4, 5, 6]),
        tf.slice(x, [0, 2, 0, 0], [3, 2, 5, 6]),
        tf.slice(tf.reshape(x, [-1]), 17, 40),
        ...tf.split(x, [2, 4], -1),
        ...tf.split(x, 2, 1),
      ];
    });
    cpu.forEach((values, i) => expect(Array.from(wasm[i])).toEqual(Array.from(values)));
  });

  it('concat, identity, cast, average-pool and leaky ReLU gradients match', async () => {
    const { leakyRelu } = await import('../engine/flow/activation.ts');
    const [cpu, wasm] = await onBoth(() => {
      const x = seeded([3, 4, 5, 6], 14);
      const y = seeded([3, 4, 5, 1], 15);
      const [dx] = tf.grads((xx: tf.Tensor) => tf.sum(tf.mul(leakyRelu(xx), seeded([3, 4, 5, 6], 16))))([x]);
      const [reference] = tf.grads((xx: tf.Tensor) => tf.sum(tf.mul(tf.leakyRelu(xx, 0.1), seeded([3, 4, 5, 6], 16))))([x]);
      const [pooled] = tf.grads((xx: tf.Tensor) => tf.sum(tf.mul(tf.avgPool(xx as tf.Tensor4D, 2, 2, 'valid'), seeded([3, 2, 2, 6], 17))))([seeded([3, 4, 4, 6], 18)]);
      const [overlapping] = tf.grads((xx: tf.Tensor) => tf.sum(tf.avgPool(xx as tf.Tensor4D, 3, 1, 'same')))([x]);
      return [tf.concat([x, y], -1), tf.concat([x, x], 1), tf.concat([y, x, y], 3), tf.clone(x), tf.cast(x, 'float32'), dx, reference, pooled, overlapping];
    });
    cpu.forEach((values, i) => expect(relativeError(values, wasm[i])).toBeLessThan(1e-6));
    expect(Array.from(cpu[5])).toEqual(Array.from(cpu[6]));
  });
});
