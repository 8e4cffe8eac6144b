import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../engine/backend.ts';
import { loadCheckpoint } from '../engine/training/checkpoint.ts';
import { listImages, loadPhotos, type Photo } from '../engine/training/photos.ts';
import { loadPhotoSets } from '../engine/training/run.ts';
import { train, type TrainEvent, type TrainerOptions } from '../engine/training/trainer.ts';
import { TINY } from './configs.ts';

let dir: string;
let photos: Photo[];

/** Small colour photos made by the test: gradients with a coloured square. */
async function makePhotos(folder: string, count: number): Promise<void> {
  await fs.mkdir(folder, { recursive: true });
  for (let i = 0; i < count; i++) {
    const width = 48 + i * 4;
    const height = 40;
    const raw = Buffer.alloc(width * height * 3);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const inSquare = x > 10 && x < 26 && y > 8 && y < 24;
        raw.set(inSquare ? [200, 40 + i * 30, 30] : [x * 4, 120, y * 5 + i * 20], (y * width + x) * 3);
      }
    }
    await sharp(raw, { raw: { width, height, channels: 3 } }).png().toFile(path.join(folder, `photo${i}.png`));
  }
}

function options(out: string, overrides: Partial<TrainerOptions>, events: TrainEvent[]): TrainerOptions {
  return {
    train: photos.slice(0, 5), validation: photos.slice(5), out, config: TINY,
    batchSize: 4, learningRate: 2e-3, warmupSteps: 2, scheduleSteps: 100, validateEvery: 3,
    checkpointSeconds: 3600, seed: 7, provenance: { test: true },
    onEvent: (event) => events.push(event),
    ...overrides,
  };
}

const losses = (events: TrainEvent[]) => events.flatMap((e) => (e.type === 'step' ? [[e.step, e.loss]] : []));

describe('the trainer', () => {
  beforeAll(async () => {
    await initBackend();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'polychrome-train-'));
    await makePhotos(path.join(dir, 'photos'), 7);
    photos = await loadPhotos(await listImages(path.join(dir, 'photos')), 64);
  });
  afterAll(async () => { await fs.rm(dir, { recursive: true, force: true }); });

  it('resumes from a checkpoint and continues the same loss curve', async () => {
    const straight: TrainEvent[] = [];
    const whole = await train(options(path.join(dir, 'straight'), { maxSteps: 6 }, straight));
    whole.model.dispose();

    const split: TrainEvent[] = [];
    const first = await train(options(path.join(dir, 'split'), { maxSteps: 3 }, split));
    first.model.dispose();
    const resumed = await loadCheckpoint(path.join(dir, 'split'));
    expect(resumed.state.step).toBe(3);
    const second = await train(options(path.join(dir, 'split'), { maxSteps: 3, start: resumed }, split));
    second.model.dispose();

    const a = losses(straight);
    const b = losses(split);
    expect(b.map(([step]) => step)).toEqual([1, 2, 3, 4, 5, 6]);
    b.forEach(([, loss], i) => expect(loss).toBeCloseTo(a[i][1], 5));
    expect(a[5][1]).toBeLessThan(a[0][1]);
    expect(split.some((e) => e.type === 'validation' && e.step === 3)).toBe(true);
  });

  it('with two worker threads follows the loss curve of one thread', async () => {
    const single: TrainEvent[] = [];
    const one = await train(options(path.join(dir, 'one-thread'), { maxSteps: 3 }, single));
    one.model.dispose();
    const double: TrainEvent[] = [];
    const two = await train(options(path.join(dir, 'two-workers'), { maxSteps: 3, workers: 2 }, double));
    two.model.dispose();
    losses(double).forEach(([, loss], i) => expect(loss).toBeCloseTo(losses(single)[i][1], 4));
  });

  it('rolls back to the last checkpoint with a lower learning rate when the loss is NaN', async () => {
    const events: TrainEvent[] = [];
    const out = path.join(dir, 'nan');
    const { model, state } = await train(options(out, { maxSteps: 5, injectNaNAtStep: 2 }, events));
    const rollback = events.find((e) => e.type === 'rollback');
    expect(rollback).toMatchObject({ type: 'rollback', step: 2, toStep: 0, learningRateScale: 0.5 });
    expect(state.rollbacks).toHaveLength(1);
    expect(state.learningRateScale).toBe(0.5);
    // After the rollback training continues from the checkpoint: five good steps, all finite.
    expect(state.step).toBe(5);
    expect(losses(events).every(([, loss]) => Number.isFinite(loss))).toBe(true);
    const weights = model.store.trainable().map((v) => tf.all(tf.isFinite(v)).dataSync()[0]);
    expect(weights.every((ok) => ok === 1)).toBe(true);
    model.dispose();
    const saved = await loadCheckpoint(out);
    expect(saved.state.learningRateScale).toBe(0.5);
    saved.model.dispose();
  });

  it('stops early when validation stops improving and keeps the best model', async () => {
    const events: TrainEvent[] = [];
    const { model, state } = await train(options(path.join(dir, 'early'), { maxSteps: 60, patience: 2, validateEvery: 2, learningRate: 5e-2, warmupSteps: 1 }, events));
    // A learning rate this high makes validation worse after its best point, deterministically.
    expect(events.find((e) => e.type === 'done')).toMatchObject({ reason: 'early-stop' });
    const best = state.validation.reduce((a, b) => (b.nll < a.nll ? b : a));
    expect(state.validation.at(-1)!.step).toBeGreaterThan(best.step);
    const saved = await loadCheckpoint(path.join(dir, 'early'));
    expect(saved.state.step).toBe(best.step);
    expect(saved.state.bestValidation).toBe(best.nll);
    model.dispose();
    saved.model.dispose();
  });

  it('holds out a seeded share of a plain folder, or uses its train/ and validation/ folders', async () => {
    const plain = path.join(dir, 'photos');
    const first = await loadPhotoSets(plain, 0.3, 5, () => {});
    const again = await loadPhotoSets(plain, 0.3, 5, () => {});
    expect([first.train.length, first.validation.length]).toEqual([5, 2]);
    expect(again.validation.map((p) => p.name)).toEqual(first.validation.map((p) => p.name));
    const split = path.join(dir, 'split-data');
    await makePhotos(path.join(split, 'train'), 3);
    await makePhotos(path.join(split, 'validation'), 2);
    await fs.writeFile(path.join(split, 'train', 'notes.jpg'), 'not a photo');
    const warnings: string[] = [];
    const sets = await loadPhotoSets(split, 0.3, 5, (message) => warnings.push(message));
    expect([sets.train.length, sets.validation.length]).toEqual([3, 2]);
    expect(warnings).toEqual([expect.stringMatching(/skipped .*notes\.jpg/)]);
  });
});
