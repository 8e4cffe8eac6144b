import { describe, expect, it } from 'vitest';
import { interpolatePath, type Latent, lerpLatent, mixLatents, replaceRegion, scaleLatent, slerpLatent, transferFreedom } from '../engine/studio/latents.ts';
import { cellCovered, rasteriseStrokes } from '../engine/studio/mask.ts';

const latent = (seed: number): Latent => [
  Float32Array.from({ length: 32 }, (_, i) => Math.sin(seed * 7 + i)),
  Float32Array.from({ length: 8 }, (_, i) => Math.cos(seed * 3 + i)),
];
const norm = (z: Latent) => Math.sqrt(z.reduce((s, part) => s + part.reduce((t, v) => t + v * v, 0), 0));

describe('latent operations', () => {
  it('interpolation starts and ends exactly on the keyframes and passes through the middle one', () => {
    const keys = [latent(1), latent(2), latent(3)];
    for (const mode of ['linear', 'spherical'] as const) {
      const frames = interpolatePath(keys, 9, mode);
      expect(frames).toHaveLength(9);
      expect(frames[0]).toEqual(keys[0]);
      expect(frames[4]).toEqual(keys[1]);
      expect(frames[8]).toEqual(keys[2]);
      expect(frames[2]).not.toEqual(keys[0]);
    }
    expect(() => interpolatePath([latent(1)], 5, 'linear')).toThrow(/two keyframes/);
  });

  it('spherical interpolation keeps the norm where linear interpolation shrinks it', () => {
    const a = latent(1), b = latent(5);
    const half = norm(slerpLatent(a, b, 0.5));
    expect(norm(lerpLatent(a, b, 0.5))).toBeLessThan(Math.min(norm(a), norm(b)) * 0.95);
    expect(half).toBeGreaterThan(Math.min(norm(a), norm(b)) * 0.97);
    expect(half).toBeLessThan(Math.max(norm(a), norm(b)) * 1.03);
  });

  it('transfer mix: freedom 0 is the reference, 1 the random code, and the authors\' values at strength 1', () => {
    const random = latent(1), reference = latent(2);
    expect(mixLatents(random, reference, [0, 0])).toEqual(reference);
    expect(mixLatents(random, reference, [1, 1])).toEqual(random);
    const half = mixLatents(random, reference, [0.5, 0]);
    expect(half[0][3]).toBeCloseTo(Math.SQRT1_2 * (random[0][3] + reference[0][3]), 6);
    expect(transferFreedom(4, 1)).toEqual([1, 0.7, 0, 0]);
    expect(transferFreedom(4, 0)).toEqual([1, 1, 1, 1]);
    expect(transferFreedom(4, 0.5)).toEqual([1, 0.85, 0.5, 0.5]);
    expect(() => mixLatents(random, reference, [0.5])).toThrow(/2 per-level values/);
    expect(() => transferFreedom(4, 2)).toThrow(/outside/);
  });

  it('scaling multiplies every entry', () => {
    const z = latent(4);
    expect(scaleLatent(z, 2)[1][5]).toBeCloseTo(2 * z[1][5], 6);
  });

  it('region replacement takes covered cells from the fresh code and keeps the rest and the global part', () => {
    const current = latent(1), fresh = latent(9);
    // Part 0: a 4x4 grid with 2 channels; part 1: global.
    const shapes = [[4, 4, 2], [8]];
    const out = replaceRegion(current, fresh, shapes, (_h, _w, row, column) => row === 1 && column === 2);
    const at = (1 * 4 + 2) * 2;
    expect(Array.from(out[0].slice(at, at + 2))).toEqual(Array.from(fresh[0].slice(at, at + 2)));
    expect(Array.from(out[0].slice(0, at))).toEqual(Array.from(current[0].slice(0, at)));
    expect(Array.from(out[0].slice(at + 2))).toEqual(Array.from(current[0].slice(at + 2)));
    expect(out[1]).toEqual(current[1]);
  });

  it('brush masks: rasterised coverage and latent cells agree on what a stroke covers', () => {
    const strokes = [{ points: [[0.2, 0.25], [0.4, 0.25]] as [number, number][], radius: 0.05 }];
    const mask = rasteriseStrokes(strokes, 100, 80, 0);
    expect(mask[20 * 100 + 30]).toBe(1); // on the stroke
    expect(mask[70 * 100 + 90]).toBe(0); // far away
    expect(cellCovered(strokes, 0.8, 8, 8, 2, 2)).toBe(true);
    expect(cellCovered(strokes, 0.8, 8, 8, 7, 7)).toBe(false);
  });
});
