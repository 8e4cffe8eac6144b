import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../engine/backend.ts';
import { ColorizationModel } from '../engine/model/colorization-model.ts';
import { loadModel, saveModel } from '../engine/model/model-folder.ts';
import { TINY } from './configs.ts';
import { maxAbsDifference, randomiseWeights } from './helpers.ts';

let scratch: string;

function data(n: number, seed: number) {
  return {
    chroma: tf.randomNormal([n, TINY.chromaSize, TINY.chromaSize, 2], 0, 1, 'float32', seed) as tf.Tensor4D,
    lightness: tf.randomUniform([n, TINY.conditionSize, TINY.conditionSize, 1], -1, 1, 'float32', seed + 1) as tf.Tensor4D,
  };
}

describe('the colorization model', () => {
  beforeAll(async () => {
    await initBackend();
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'polychrome-model-'));
  });
  afterAll(async () => { await fs.rm(scratch, { recursive: true, force: true }); });

  it('loss is the true NLL in bits/dim: for the identity flow it is the Gaussian NLL of ab', () => {
    const model = new ColorizationModel(TINY);
    const { chroma, lightness } = data(3, 1);
    const bits = model.bitsPerDim(chroma, lightness).dataSync();
    const squares = tf.mean(tf.square(chroma), [1, 2, 3]).dataSync();
    const { a, b } = TINY.normalisation;
    for (let i = 0; i < 3; i++) {
      const nats = 0.5 * squares[i] + 0.5 * Math.log(2 * Math.PI) + (Math.log(a.scale) + Math.log(b.scale)) / 2;
      expect(bits[i]).toBeCloseTo(nats / Math.LN2, 4);
    }
    model.dispose();
  });

  it('decode(encode(ab)) = ab, and the decoded NLL equals the encoded one', () => {
    const model = new ColorizationModel(TINY);
    randomiseWeights(model.store, 0.02, 3);
    const { chroma, lightness } = data(2, 5);
    const { latents } = model.encode(chroma, lightness);
    const decoded = model.decode(latents, lightness);
    expect(maxAbsDifference(decoded.chroma, chroma)).toBeLessThan(1e-4);
    expect(maxAbsDifference(decoded.bitsPerDim, model.bitsPerDim(chroma, lightness))).toBeLessThan(1e-4);
    model.dispose();
  });

  it('samples: the same seed gives the same colours, temperature scales z, one condition serves many samples', () => {
    const model = new ColorizationModel(TINY);
    randomiseWeights(model.store, 0.02, 4);
    const { lightness } = data(1, 9);
    const first = model.sample(lightness, [1, 2, 3], 1);
    const again = model.sample(lightness, [3], 1);
    expect(first.chroma.shape).toEqual([3, 8, 8, 2]);
    expect(maxAbsDifference(tf.slice(first.chroma, 2, 1), again.chroma)).toBe(0);
    expect(maxAbsDifference(tf.slice(first.chroma, 0, 1), tf.slice(first.chroma, 1, 1))).toBeGreaterThan(0.1);
    const cool = model.drawLatents([3], 0.5);
    again.latents.forEach((z, i) => expect(maxAbsDifference(tf.mul(z, 0.5), cool[i])).toBeLessThan(1e-6));
    model.dispose();
  });

  it('a training step lowers the loss on a fixed batch', () => {
    const model = new ColorizationModel(TINY);
    const batch = data(8, 11);
    const losses = Array.from({ length: 30 }, () => model.trainStep(batch, 3e-3));
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[29]).toBeLessThan(losses[0] - 0.1);
    model.dispose();
  });

  describe('model folders', () => {
    it('save -> load gives bit-identical outputs', async () => {
      const model = new ColorizationModel(TINY);
      model.trainStep(data(4, 13), 1e-2);
      const dir = path.join(scratch, 'saved');
      await saveModel(model, dir, { provenance: { note: 'test' } });
      const loaded = await loadModel(dir);
      const { chroma, lightness } = data(2, 17);
      expect(maxAbsDifference(model.bitsPerDim(chroma, lightness), loaded.bitsPerDim(chroma, lightness))).toBe(0);
      expect(maxAbsDifference(model.sample(lightness.slice(0, 1), [4, 5], 0.8).chroma, loaded.sample(lightness.slice(0, 1), [4, 5], 0.8).chroma)).toBe(0);
      const manifest = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8'));
      expect(manifest.formatVersion).toBe(1);
      expect(manifest.weights.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(manifest.provenance.note).toBe('test');
      await expect(saveModel(model, dir)).rejects.toThrow(/already exists/);
      expect((await fs.readdir(scratch)).filter((name) => name.includes('.saving-'))).toEqual([]);
      model.dispose();
      loaded.dispose();
    });

    async function damagedCopy(name: string, damage: (dir: string) => Promise<void>): Promise<string> {
      const model = new ColorizationModel(TINY);
      const dir = path.join(scratch, name);
      await saveModel(model, dir);
      model.dispose();
      await damage(dir);
      return dir;
    }

    const editManifest = (edit: (manifest: Record<string, any>) => void) => async (dir: string) => {
      const file = path.join(dir, 'model.json');
      const manifest = JSON.parse(await fs.readFile(file, 'utf8'));
      edit(manifest);
      await fs.writeFile(file, JSON.stringify(manifest));
    };

    it('refuses a truncated weights file, naming it', async () => {
      const dir = await damagedCopy('truncated', async (d) => {
        const file = path.join(d, 'weights.bin');
        await fs.truncate(file, (await fs.stat(file)).size - 100);
      });
      await expect(loadModel(dir)).rejects.toThrow(/weights\.bin are truncated/);
    });

    it('refuses corrupt weights (checksum)', async () => {
      const dir = await damagedCopy('corrupt', async (d) => {
        const file = path.join(d, 'weights.bin');
        const bytes = await fs.readFile(file);
        bytes[bytes.length >> 1] ^= 0xff;
        await fs.writeFile(file, bytes);
      });
      await expect(loadModel(dir)).rejects.toThrow(/corrupt: their SHA-256 does not match/);
    });

    it('refuses a wrong format version', async () => {
      const dir = await damagedCopy('version', editManifest((m) => { m.formatVersion = 99; }));
      await expect(loadModel(dir)).rejects.toThrow(/model format version 99; this Polychrome reads version 1/);
    });

    it('refuses a configuration that does not match the weights, or is invalid', async () => {
      const mismatched = await damagedCopy('mismatch', editManifest((m) => { m.config.levels[0].hidden = 9; }));
      await expect(loadModel(mismatched)).rejects.toThrow(/does not match its configuration: the saved parameter level0\.block0\.subnet1\.conv0\.weight has/);
      const invalid = await damagedCopy('invalid', editManifest((m) => { m.config.clamp.kind = 'sigmoid'; }));
      await expect(loadModel(invalid)).rejects.toThrow(/not a valid model configuration:\n\s+clamp\.kind/);
    });

    it('refuses a folder that is not a model', async () => {
      await expect(loadModel(scratch)).rejects.toThrow(/is not a Polychrome model: it has no model\.json/);
    });
  });
});
