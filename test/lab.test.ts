import { describe, expect, it } from 'vitest';
import { labToRgb, lightnessOf, rgbToLab } from '../engine/color/lab.ts';

// Published sRGB (D65) -> CIELAB reference pairs (e.g. Lindbloom's calculator; CSS Color 4 examples).
const REFERENCES: Array<[number[], number[]]> = [
  [[1, 1, 1], [100, 0, 0]],
  [[0, 0, 0], [0, 0, 0]],
  [[1, 0, 0], [53.2408, 80.0925, 67.2032]],
  [[0, 1, 0], [87.7347, -86.1827, 83.1793]],
  [[0, 0, 1], [32.2970, 79.1875, -107.8602]],
  [[0.5, 0.5, 0.5], [53.3889, 0, 0]],
  [[1, 1, 0], [97.1393, -21.5537, 94.4780]],
];

describe('sRGB <-> CIELAB', () => {
  for (const [rgb, lab] of REFERENCES) {
    it(`rgb(${rgb}) is Lab(${lab})`, () => {
      const out = rgbToLab(rgb);
      lab.forEach((v, i) => expect(out[i]).toBeCloseTo(v, 2));
      expect(lightnessOf(rgb)[0]).toBeCloseTo(lab[0], 3);
      const back = labToRgb(lab);
      rgb.forEach((v, i) => expect(back[i]).toBeCloseTo(v, 3));
    });
  }

  it('round trips every 8-bit-ish colour to within 1e-3', () => {
    const rgb = new Float32Array(17 ** 3 * 3);
    let i = 0;
    for (let r = 0; r <= 16; r++) for (let g = 0; g <= 16; g++) for (let b = 0; b <= 16; b++) rgb.set([r / 16, g / 16, b / 16], (i++) * 3);
    const back = labToRgb(rgbToLab(rgb));
    let worst = 0;
    for (let k = 0; k < rgb.length; k++) worst = Math.max(worst, Math.abs(back[k] - rgb[k]));
    expect(worst).toBeLessThan(1e-3);
  });

  it('clips out-of-gamut Lab to [0, 1] unless asked not to', () => {
    const lab = [50, 120, -120];
    const clipped = labToRgb(lab);
    expect(Math.min(...clipped)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...clipped)).toBeLessThanOrEqual(1);
    const raw = labToRgb(lab, new Float32Array(3), false);
    expect(Math.max(...raw) > 1 || Math.min(...raw) < 0).toBe(true);
  });
});
