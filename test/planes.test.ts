import { describe, expect, it } from 'vitest';
import { labToRgb, lightnessOf, rgbToLab } from '../engine/color/lab.ts';
import { labPlanesToCodes, lightnessOfCodes } from '../engine/color/planes.ts';

const codes8 = Uint8Array.from({ length: 3 * 4096 }, (_, i) => (i * 37 + (i >> 3) * 11) % 256);

describe('full-resolution colour planes', () => {
  it('L of 8- and 16-bit codes matches the exact formula, colour and gray', () => {
    const exact = lightnessOf(Float32Array.from(codes8, (v) => v / 255));
    const fast = lightnessOfCodes(codes8, 3);
    for (let p = 0; p < exact.length; p++) expect(Math.abs(fast[p] - exact[p])).toBeLessThan(0.01);
    const deep = Uint16Array.from(codes8, (v) => v * 257 + 13);
    const exactDeep = lightnessOf(Float32Array.from(deep, (v) => v / 65535));
    const fastDeep = lightnessOfCodes(deep, 3);
    for (let p = 0; p < exactDeep.length; p++) expect(Math.abs(fastDeep[p] - exactDeep[p])).toBeLessThan(0.01);
    // One gray channel: white is L 100, black 0, middle gray (119) about 50.
    expect(Array.from(lightnessOfCodes(Uint8Array.from([255, 0, 119]), 1)).map((v) => Math.round(v))).toEqual([100, 0, 50]);
  });

  it('L + ab to sRGB codes is within one code of the exact conversion (8-bit and 16-bit)', () => {
    const lab = rgbToLab(Float32Array.from(codes8, (v) => v / 255));
    const pixels = lab.length / 3;
    const lightness = new Float32Array(pixels);
    const ab = new Float32Array(pixels * 2);
    for (let p = 0; p < pixels; p++) {
      lightness[p] = lab[p * 3];
      ab[p * 2] = lab[p * 3 + 1];
      ab[p * 2 + 1] = lab[p * 3 + 2];
    }
    const fast = labPlanesToCodes(lightness, ab, new Uint8Array(pixels * 3));
    for (let i = 0; i < fast.length; i++) expect(Math.abs(fast[i] - codes8[i])).toBeLessThanOrEqual(1);
    const exact = labToRgb(lab);
    const deep = labPlanesToCodes(lightness, ab, new Uint16Array(pixels * 3));
    let worst = 0;
    for (let i = 0; i < deep.length; i++) worst = Math.max(worst, Math.abs(deep[i] / 65535 - exact[i]));
    expect(worst).toBeLessThan(4 / 65535 * 16);
    // Out-of-gamut colours are clipped.
    expect(Array.from(labPlanesToCodes(Float32Array.of(50), Float32Array.of(120, -120), new Uint8Array(3))).every((v) => v >= 0 && v <= 255)).toBe(true);
  });
});
