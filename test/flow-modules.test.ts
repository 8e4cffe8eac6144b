import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../engine/backend.ts';
import { AffineCoupling, type ClampConfig } from '../engine/flow/coupling.ts';
import type { InvertibleModule } from '../engine/flow/module.ts';
import { OrthogonalMixing } from '../engine/flow/orthogonal.ts';
import { ParamStore } from '../engine/flow/params.ts';
import { Flatten, HaarDownsampling, Squeeze } from '../engine/flow/reshaping.ts';
import { maxAbsDifference, numericalLogDet, randomiseWeights } from './helpers.ts';

const ATAN: ClampConfig = { kind: 'atan', value: 1.5 };
const TANH: ClampConfig = { kind: 'tanh', value: 2 };

interface Case {
  name: string;
  build: (store: ParamStore) => InvertibleModule;
  /** Per-sample condition shape, or null. */
  condition: number[] | null;
  /** Whether the module can have a non-zero log-det. */
  scales: boolean;
}

const cases: Case[] = [
  { name: 'squeeze', build: () => new Squeeze([4, 4, 2]), condition: null, scales: false },
  { name: 'haar', build: () => new HaarDownsampling([4, 6, 3]), condition: null, scales: false },
  { name: 'flatten', build: () => new Flatten([2, 3, 4]), condition: null, scales: false },
  { name: 'orthogonal 1x1 mixing', build: (s) => new OrthogonalMixing(s, 'mix', [4, 4, 5]), condition: null, scales: false },
  { name: 'orthogonal mixing, flat', build: (s) => new OrthogonalMixing(s, 'mix', [12]), condition: null, scales: false },
  { name: 'conv coupling (atan clamp)', build: (s) => new AffineCoupling(s, 'c', { shape: [8, 8, 2], conditionChannels: 3, hidden: 8, clamp: ATAN }), condition: [8, 8, 3], scales: true },
  { name: 'conv coupling, odd channels, tanh clamp', build: (s) => new AffineCoupling(s, 'c', { shape: [4, 4, 5], conditionChannels: 2, hidden: 8, clamp: TANH }), condition: [4, 4, 2], scales: true },
  { name: 'one-sided conv coupling', build: (s) => new AffineCoupling(s, 'c', { shape: [4, 4, 4], conditionChannels: 2, hidden: 8, clamp: TANH, sides: 1 }), condition: [4, 4, 2], scales: true },
  { name: 'dense coupling', build: (s) => new AffineCoupling(s, 'c', { shape: [16], conditionChannels: 6, hidden: 16, clamp: ATAN }), condition: [6], scales: true },
  { name: 'unconditional dense coupling', build: (s) => new AffineCoupling(s, 'c', { shape: [10], conditionChannels: 0, hidden: 16, clamp: ATAN }), condition: null, scales: true },
];

describe('invertible modules', () => {
  beforeAll(async () => { await initBackend(); });

  for (const c of cases) {
    describe(c.name, () => {
      const setup = () => {
        const store = new ParamStore(3);
        const module = c.build(store);
        randomiseWeights(store, 0.1, 11);
        const x = tf.randomNormal([3, ...module.inShape], 0, 1, 'float32', 5);
        const condition = c.condition ? tf.randomNormal([3, ...c.condition], 0, 1, 'float32', 6) : null;
        return { store, module, x, condition };
      };

      it('inverse(forward(x)) = x and the log-dets cancel', () => {
        const { store, module, x, condition } = setup();
        const forward = module.forward(x, condition);
        expect(forward.out.shape).toEqual([3, ...module.outShape]);
        const inverse = module.inverse(forward.out, condition);
        expect(maxAbsDifference(inverse.out, x)).toBeLessThan(1e-4);
        expect(maxAbsDifference(tf.add(forward.logdet, inverse.logdet), tf.zeros([3]))).toBeLessThan(1e-4);
        store.dispose();
      });

      it('log-det equals log|det| of the numerical Jacobian', () => {
        const { store, module, x, condition } = setup();
        for (let i = 0; i < 2; i++) {
          const xi = tf.slice(x, i, 1);
          const ci = condition ? tf.slice(condition, i, 1) : null;
          const analytic = module.forward(xi, ci).logdet.dataSync()[0];
          const numeric = numericalLogDet((batch) => {
            const cond = ci ? tf.tile(ci, [batch.shape[0], ...ci.shape.slice(1).map(() => 1)]) : null;
            return module.forward(batch, cond).out;
          }, xi);
          if (c.scales) expect(Math.abs(analytic)).toBeGreaterThan(0.1);
          expect(Math.abs(numeric - analytic)).toBeLessThan(1e-2 * Math.max(1, Math.abs(analytic)));
        }
        store.dispose();
      });
    });
  }

  it('a fresh coupling block is the identity (zero-initialised last layer)', () => {
    const store = new ParamStore(1);
    const block = new AffineCoupling(store, 'c', { shape: [4, 4, 2], conditionChannels: 1, hidden: 8, clamp: ATAN });
    const x = tf.randomNormal([2, 4, 4, 2], 0, 1, 'float32', 1);
    const { out, logdet } = block.forward(x, tf.ones([2, 4, 4, 1]));
    expect(maxAbsDifference(out, x)).toBe(0);
    expect(Array.from(logdet.dataSync())).toEqual([0, 0]);
    store.dispose();
  });

  it('haar keeps the 2x2 average in the first component and is orthonormal', () => {
    const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    const y = new HaarDownsampling([2, 2, 1]).forward(x, null).out.dataSync();
    // avg*2, (p00-p01+p10-p11)/2, (p00+p01-p10-p11)/2, (p00-p01-p10+p11)/2
    expect(Array.from(y)).toEqual([5, -1, -2, 0]);
  });

  it('the orthogonal matrix is stored, not re-drawn: a new store with the saved values gives the same mixing', () => {
    const first = new ParamStore(9);
    const mixA = new OrthogonalMixing(first, 'mix', [6]);
    const saved = new Map(first.entries().map(([name, v]) => [name, v.dataSync() as Float32Array]));
    const second = new ParamStore(12345, saved);
    const mixB = new OrthogonalMixing(second, 'mix', [6]);
    const x = tf.randomNormal([2, 6], 0, 1, 'float32', 2);
    expect(maxAbsDifference(mixA.forward(x, null).out, mixB.forward(x, null).out)).toBe(0);
    expect(first.trainable()).toHaveLength(0);
    first.dispose();
    second.dispose();
  });
});

describe('randomOrthogonal', () => {
  it('gives Q with Q^T Q = I, fast enough for the 512-wide tail', async () => {
    const { randomOrthogonal } = await import('../engine/flow/orthogonal.ts');
    const q = randomOrthogonal(512, 4);
    const identity = tf.matMul(q, q, true, false);
    expect(maxAbsDifference(identity, tf.eye(512))).toBeLessThan(1e-5);
    expect(maxAbsDifference(randomOrthogonal(8, 4), randomOrthogonal(8, 4))).toBe(0);
    expect(maxAbsDifference(randomOrthogonal(8, 4), randomOrthogonal(8, 5))).toBeGreaterThan(0.01);
  });
});
