import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../engine/backend.ts';
import { ColorizationModel } from '../engine/model/colorization-model.ts';
import { DataParallel } from '../engine/training/parallel.ts';
import { TINY } from './configs.ts';
import { randomiseWeights } from './helpers.ts';

describe('data-parallel training in worker threads', () => {
  beforeAll(async () => { await initBackend(); });

  it('two workers give the loss and gradients of the whole batch on one thread', async () => {
    const model = new ColorizationModel(TINY);
    randomiseWeights(model.store, 0.02, 5);
    const lightness = tf.randomUniform([5, 16, 16, 1], -1, 1, 'float32', 1) as tf.Tensor4D;
    const chroma = tf.randomNormal([5, 8, 8, 2], 0, 1, 'float32', 2) as tf.Tensor4D;
    const single = model.lossAndGradients({ lightness, chroma });
    const parallel = await DataParallel.start(model, 2);
    try {
      const split = await parallel.lossAndGradients(model, lightness, chroma);
      expect(split.loss).toBeCloseTo(single.loss, 5);
      single.gradients.forEach((g, i) => {
        const difference = tf.norm(tf.sub(g, split.gradients[i])).dataSync()[0];
        expect(difference).toBeLessThanOrEqual(1e-4 * Math.max(1e-3, tf.norm(g).dataSync()[0]));
      });
    } finally {
      await parallel.close();
      model.dispose();
    }
  });
});
