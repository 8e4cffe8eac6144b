import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../engine/backend.ts';
import { prepareConditionNetwork } from '../engine/condition.ts';
import { ColorizationModel } from '../engine/model/colorization-model.ts';
import { makeConfig } from '../engine/model/config.ts';
import { loadModel, saveModel } from '../engine/model/model-folder.ts';
import { TINY } from './configs.ts';
import { maxAbsDifference } from './helpers.ts';

// TINY's levels run at 8 and 4: the backbone's stride-4 and stride-8 maps of a 32x32 L.
const CONFIG = makeConfig({ ...TINY, conditionSize: 32, condition: { kind: 'centernet', widths: [8, 8], levelChannels: [3, 4], globalDim: 6 } });

describe('the frozen CenterNet backbone as conditioning network', () => {
  beforeAll(async () => {
    await initBackend();
    await prepareConditionNetwork(CONFIG);
  });

  it('gives one feature map per level and a global vector; only the heads train', () => {
    const model = new ColorizationModel(CONFIG);
    const lightness = tf.randomUniform([2, 32, 32, 1], -1, 1, 'float32', 3) as tf.Tensor4D;
    const { pyramid, global } = model.conditions(lightness);
    expect(pyramid.map((p) => p.shape)).toEqual([[2, 8, 8, 3], [2, 4, 4, 4]]);
    expect(global.shape).toEqual([2, 6]);
    // 2 adapters + 2 heads (weight, bias each), 2 global layers, and the flow: no backbone weights.
    const names = model.store.entries().map(([name]) => name).filter((name) => name.startsWith('cond.'));
    expect(names.every((name) => /^cond\.(adapter|head|global)\d\./.test(name))).toBe(true);
    const chroma = tf.randomNormal([2, 8, 8, 2], 0, 1, 'float32', 4) as tf.Tensor4D;
    const before = model.bitsPerDim(chroma, lightness).dataSync()[0];
    for (let i = 0; i < 5; i++) model.trainStep({ lightness, chroma }, 5e-3);
    expect(model.bitsPerDim(chroma, lightness).dataSync()[0]).toBeLessThan(before);
    model.dispose();
  });

  it('saves and loads like any model', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'polychrome-backbone-'));
    const model = new ColorizationModel(CONFIG);
    await saveModel(model, path.join(dir, 'model'));
    const loaded = await loadModel(path.join(dir, 'model'));
    const lightness = tf.randomUniform([1, 32, 32, 1], -1, 1, 'float32', 5) as tf.Tensor4D;
    expect(maxAbsDifference(model.sample(lightness, [1, 2], 1).chroma, loaded.sample(lightness, [1, 2], 1).chroma)).toBe(0);
    model.dispose();
    loaded.dispose();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('refuses a level that has no backbone feature map', () => {
    const wrong = makeConfig({ ...CONFIG, conditionSize: 16 });
    expect(() => new ColorizationModel(wrong)).toThrow(/needs L at 4x the chroma size/);
  });
});
