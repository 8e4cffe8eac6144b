// The studio's operations on a small model with random weights (so decoding is not trivial):
// samples with ids and latents, re-roll, saturation, ranking, ambiguity, region re-roll, colour
// transfer and interpolation.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../engine/backend.ts';
import { ColorizationModel } from '../engine/model/colorization-model.ts';
import { rasteriseStrokes } from '../engine/studio/mask.ts';
import { composeAb, rgb8 } from '../engine/studio/render.ts';
import { StudioSession } from '../engine/studio/session.ts';
import { SMALL } from './configs.ts';
import { randomiseWeights } from './helpers.ts';

let dir: string;
let model: ColorizationModel;
let session: StudioSession;
let target: string;
let reference: string;

/** A smooth colourful gradient (its low-resolution ab is close to the real one everywhere). */
async function gradient(file: string, width: number, height: number): Promise<void> {
  const rgb = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 3;
      rgb[p] = Math.round(40 + (180 * x) / width);
      rgb[p + 1] = Math.round(60 + (120 * y) / height);
      rgb[p + 2] = Math.round(200 - (150 * x) / width);
    }
  }
  await sharp(rgb, { raw: { width, height, channels: 3 } }).png().toFile(file);
}

beforeAll(async () => {
  await initBackend();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'polychrome-session-'));
  target = path.join(dir, 'target.png');
  reference = path.join(dir, 'reference.png');
  await gradient(reference, 96, 64);
  await sharp(reference).toColourspace('b-w').toFile(target);
  model = new ColorizationModel(SMALL);
  randomiseWeights(model.store, 0.02, 11);
  session = new StudioSession(model);
});
afterAll(async () => {
  session.closeAll();
  model.dispose();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('studio session', () => {
  it('opens a photo once: its size, whether it has colour, its preview plane', async () => {
    const photo = await session.open(target);
    expect(photo.source).toMatchObject({ width: 96, height: 64, colour: false });
    expect(photo.source.preview.width).toBe(96);
    const colour = await session.open(reference);
    expect(colour.source.colour).toBe(true);
    await expect(session.open(path.join(dir, 'missing.jpg'))).rejects.toThrow(/missing\.jpg.*does not exist/);
  });

  it('draws N samples with ids and latents; the same seed gives the same sample', async () => {
    const photo = await session.open(target);
    const samples = session.drawSamples(photo.id, { count: 4, temperature: 0.8, seed: 5 });
    expect(new Set(samples.map((s) => s.id)).size).toBe(4);
    expect(samples.map((s) => s.seed)).toEqual([5, 6, 7, 8]);
    expect(samples[0].base.map((p) => p.length)).toEqual(model.flow.latentSizes);
    const again = session.drawSamples(photo.id, { count: 1, temperature: 0.8, seed: 5 });
    expect(again[0].base).toEqual(samples[0].base);
    expect(again[0].decoded!.layers[0].ab).toEqual(samples[0].decoded!.layers[0].ab);
  });

  it('re-rolls one sample in place and ranks samples by likelihood', async () => {
    const photo = await session.open(target);
    const samples = session.drawSamples(photo.id, { count: 4, temperature: 1, seed: 1 });
    const others = samples.slice(1).map((s) => s.base);
    const before = samples[0].base;
    const rerolled = session.reroll(photo.id, samples[0].id, 99);
    expect(rerolled.id).toBe(samples[0].id);
    expect(rerolled.seed).toBe(99);
    expect(rerolled.base).not.toEqual(before);
    expect(photo.samples.slice(1).map((s) => s.base)).toEqual(others);
    // A re-roll computed ahead is the same as one computed on the spot.
    const prepared = session.prepareReroll(photo.id, 1, 1);
    const adopted = session.reroll(photo.id, samples[2].id, undefined, prepared);
    expect(adopted.seed).toBe(prepared.seed);
    const direct = session.decodeLatents(photo, [adopted.base]);
    expect(adopted.decoded!.layers[0].ab).toEqual(direct.ab[0]);
    expect(adopted.decoded!.bitsPerDim).toBeCloseTo(direct.bitsPerDim[0], 5);
    // Prepared for another temperature: not used.
    const other = session.prepareReroll(photo.id, 0.5, 1);
    expect(session.reroll(photo.id, samples[3].id, undefined, other).seed).not.toBe(other.seed);
    const ranked = session.ranked(photo.id);
    const bits = ranked.map((s) => s.decoded!.bitsPerDim);
    expect(bits).toEqual([...bits].sort((a, b) => a - b));
    expect(new Set(bits).size).toBe(4);
  });

  it('saturation scales z: 0 gives the zero code, larger factors give more colourful samples', async () => {
    const photo = await session.open(target);
    const [sample] = session.drawSamples(photo.id, { count: 1, temperature: 1, seed: 3 });
    const chroma = () => {
      const ab = sample.decoded!.layers[0].ab;
      let sum = 0;
      for (let i = 0; i < ab.length; i += 2) sum += Math.hypot(ab[i], ab[i + 1]);
      return sum;
    };
    const spread = (factor: number) => {
      session.setSaturation(photo.id, sample.id, factor);
      return session.latentOf(sample, true)[0].reduce((s, v) => s + v * v, 0);
    };
    expect(spread(2)).toBeCloseTo(4 * spread(1), 3);
    session.setSaturation(photo.id, sample.id, 1);
    const ordinary = chroma();
    session.setSaturation(photo.id, sample.id, 0);
    expect(session.latentOf(sample, true).every((part) => part.every((v) => v === 0))).toBe(true);
    expect(chroma()).not.toBeCloseTo(ordinary, 1);
    expect(() => session.setSaturation(photo.id, sample.id, -1)).toThrow(/outside/);
  });

  it('the ambiguity map is the per-pixel spread of the samples\' chroma', async () => {
    const photo = await session.open(target);
    session.drawSamples(photo.id, { count: 1, temperature: 1, seed: 1 });
    expect(() => session.ambiguity(photo.id)).toThrow(/at least two samples/);
    const samples = session.drawSamples(photo.id, { count: 2, temperature: 1, seed: 1 });
    const spread = session.ambiguity(photo.id);
    const [a, b] = samples.map((s) => s.decoded!.layers[0].ab);
    // Two samples: the spread is half the distance between them.
    expect(spread[10]).toBeCloseTo(Math.hypot(a[20] - b[20], a[21] - b[21]) / 2, 4);
    expect(Math.max(...spread)).toBeGreaterThan(0);
  });

  it('region re-roll changes the brushed area and leaves pixels far outside it exactly unchanged', async () => {
    const photo = await session.open(target);
    const [sample] = session.drawSamples(photo.id, { count: 1, temperature: 1, seed: 21 });
    const plane = photo.source.preview;
    const size = model.config.chromaSize;
    const before = rgb8(plane, composeAb(sample.decoded!.layers, size, plane));
    const beforeLatent = sample.base;
    const strokes = [{ points: [[0.15, 0.3], [0.3, 0.3]] as [number, number][], radius: 0.08 }];
    session.rerollRegion(photo.id, sample.id, strokes, 77);
    expect(sample.regions).toHaveLength(1);
    // The global part is kept; some spatial entries are redrawn, most are kept.
    const region = sample.regions[0].latent;
    expect(region.at(-1)).toEqual(beforeLatent.at(-1));
    const changed = region[0].filter((v, i) => v !== beforeLatent[0][i]).length;
    expect(changed).toBeGreaterThan(0);
    expect(changed).toBeLessThan(region[0].length / 2);
    const after = rgb8(plane, composeAb(sample.decoded!.layers, size, plane));
    const mask = rasteriseStrokes(strokes, plane.width, plane.height, 1);
    let outside = 0, inside = 0, differentInside = 0;
    for (let p = 0; p < mask.length; p++) {
      const same = after[p * 3] === before[p * 3] && after[p * 3 + 1] === before[p * 3 + 1] && after[p * 3 + 2] === before[p * 3 + 2];
      if (mask[p] === 0) {
        outside++;
        expect(same).toBe(true);
      } else if (mask[p] === 1) {
        inside++;
        if (!same) differentInside++;
      }
    }
    expect(outside).toBeGreaterThan(mask.length / 2);
    expect(differentInside).toBeGreaterThan(inside / 2);
    expect(() => session.rerollRegion(photo.id, sample.id, [])).toThrow(/at least one brush stroke/);
  });

  it('transfer: the reference\'s own z decoded on its own condition gives back its colours', async () => {
    const ref = await session.open(reference);
    const own = session.transfer(ref.id, ref.id, { freedom: model.flow.latentShapes.map(() => 0) });
    const decoded = own.decoded!.layers[0].ab;
    const { a, b } = model.config.normalisation;
    const truth = ref.source.example.chroma;
    let worst = 0;
    for (let i = 0; i < decoded.length; i += 2) {
      worst = Math.max(worst, Math.abs(decoded[i] - (truth[i] * a.scale + a.mean)), Math.abs(decoded[i + 1] - (truth[i + 1] * b.scale + b.mean)));
    }
    expect(worst).toBeLessThan(0.05);
    // At preview size the colours are the photo's own: mean error of a few 8-bit codes.
    const plane = ref.source.preview;
    const rgb = rgb8(plane, composeAb(own.decoded!.layers, model.config.chromaSize, plane));
    let error = 0;
    for (let i = 0; i < rgb.length; i++) error += Math.abs(rgb[i] - ref.source.previewRgb[i]);
    expect(error / rgb.length).toBeLessThan(3);
  });

  it('transfer onto another photo: global colour from the reference, strength 0 is an ordinary sample', async () => {
    const ref = await session.open(reference);
    const photo = await session.open(target);
    const full = session.transfer(photo.id, ref.id, { strength: 1, seed: 4 });
    expect(full.kind).toBe('transfer');
    expect(full.reference!.freedom).toEqual([1, 0.7, 0]);
    const refZ = session.encodeReference(ref.id);
    expect(full.base.at(-1)).toEqual(refZ.at(-1));
    const none = session.transfer(photo.id, ref.id, { strength: 0, seed: 4 });
    const [plain] = session.drawSamples(photo.id, { count: 1, temperature: 1, seed: 4 });
    expect(none.base).toEqual(plain.base);
    const gray = await session.open(target);
    expect(() => session.transfer(photo.id, gray.id)).toThrow(/grayscale photo: a colour reference is needed/);
  });

  it('interpolation between two samples starts and ends on them', async () => {
    const photo = await session.open(target);
    const [a, b] = session.drawSamples(photo.id, { count: 2, temperature: 1, seed: 30 });
    const frames = session.interpolate(photo.id, [a.id, b.id], 5, 'spherical');
    expect(frames[0]).toEqual(a.base);
    expect(frames[4]).toEqual(b.base);
    const { ab } = session.decodeLatents(photo, [frames[0], frames[4]]);
    expect(ab[0]).toEqual(a.decoded!.layers[0].ab);
    expect(ab[1]).toEqual(b.decoded!.layers[0].ab);
    expect(() => session.interpolate(photo.id, [a.id, 'nope'], 5, 'linear')).toThrow(/no sample "nope"/);
  });
});
