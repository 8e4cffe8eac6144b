import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../engine/backend.ts';
import { MultiScaleFlow } from '../engine/flow/network.ts';
import { ColorizationModel } from '../engine/model/colorization-model.ts';
import { DEFAULT_CONFIG, type ModelConfig } from '../engine/model/config.ts';
import { SMALL, TINY } from './configs.ts';
import { maxAbsDifference, numericalLogDet, randomiseWeights } from './helpers.ts';

/** A model whose blocks are no longer the identity; wider models get smaller perturbations. */
function randomModel(config: ModelConfig, scale = 0.02): ColorizationModel {
  const model = new ColorizationModel(config);
  randomiseWeights(model.store, scale, 21);
  return model;
}

function inputs(config: ModelConfig, n: number) {
  const chroma = tf.randomNormal([n, config.chromaSize, config.chromaSize, 2], 0, 1, 'float32', 7) as tf.Tensor4D;
  const lightness = tf.randomUniform([n, config.conditionSize, config.conditionSize, 1], -1, 1, 'float32', 8) as tf.Tensor4D;
  return { chroma, lightness };
}

describe('the multi-scale cINN', () => {
  beforeAll(async () => { await initBackend(); });

  for (const [name, config, scale] of [['tiny (2x8x8)', TINY, 0.02], ['small (2x16x16)', SMALL, 0.02], ['default size (2x32x32)', DEFAULT_CONFIG, 0.005]] as const) {
    it(`${name}: latent parts cover every dimension and inverse(forward(x)) = x`, () => {
      const model = randomModel(config, scale);
      const { chroma, lightness } = inputs(config, 2);
      const conditions = model.conditions(lightness);
      const { latents, logdet } = model.flow.forward(chroma, conditions);
      expect(latents.reduce((n, z) => n + z.shape[1]!, 0)).toBe(config.chromaSize * config.chromaSize * 2);
      expect(latents.map((z) => z.shape[1])).toEqual(model.flow.latentSizes);
      const inverse = model.flow.inverse(latents, conditions);
      expect(maxAbsDifference(inverse.x, chroma)).toBeLessThan(1e-4);
      expect(maxAbsDifference(tf.add(logdet, inverse.logdet), tf.zeros([2]))).toBeLessThan(1e-3);
      expect(Math.abs(logdet.dataSync()[0])).toBeGreaterThan(0.1);
      model.dispose();
    });
  }

  it('the network log-det equals the sum of its modules\' log-dets', () => {
    const model = randomModel(SMALL);
    const { chroma, lightness } = inputs(SMALL, 2);
    const conditions = model.conditions(lightness);
    let h: tf.Tensor = chroma;
    let sum = tf.zeros([2]);
    let scalingModules = 0;
    for (const step of model.flow.steps) {
      if (step.type === 'split') { h = tf.split(h, [step.keep, step.inShape[2] - step.keep], -1)[0]; continue; }
      const result = step.module.forward(h, MultiScaleFlow.conditionFor(step.condition, conditions));
      if (Math.abs(result.logdet.dataSync()[0]) > 1e-3) scalingModules++;
      sum = tf.add(sum, result.logdet);
      h = result.out;
    }
    expect(scalingModules).toBeGreaterThan(3);
    expect(maxAbsDifference(sum, model.flow.forward(chroma, conditions).logdet)).toBeLessThan(1e-4);
    model.dispose();
  });

  it('tiny network: log-det equals log|det| of the numerical Jacobian (128 x 128)', () => {
    const model = randomModel(TINY);
    const { chroma, lightness } = inputs(TINY, 1);
    const conditions = model.conditions(lightness);
    const analytic = model.flow.forward(chroma, conditions).logdet.dataSync()[0];
    const numeric = numericalLogDet((batch) => {
      const n = batch.shape[0];
      const tile = (t: tf.Tensor) => tf.tile(t, [n, ...t.shape.slice(1).map(() => 1)]);
      const expanded = { pyramid: conditions.pyramid.map(tile), global: tile(conditions.global) };
      return tf.concat(model.flow.forward(batch, expanded).latents, 1);
    }, chroma);
    expect(Math.abs(analytic)).toBeGreaterThan(1);
    expect(Math.abs(numeric - analytic)).toBeLessThan(1e-2 * Math.abs(analytic));
    model.dispose();
  });

  it('conditions change the output: the flow is conditional', () => {
    const model = randomModel(TINY);
    const { chroma, lightness } = inputs(TINY, 1);
    const a = model.encode(chroma, lightness).latents[0];
    const b = model.encode(chroma, tf.neg(lightness) as tf.Tensor4D).latents[0];
    expect(maxAbsDifference(a, b)).toBeGreaterThan(1e-3);
    model.dispose();
  });
});
