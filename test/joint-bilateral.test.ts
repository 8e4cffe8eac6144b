import { describe, expect, it } from 'vitest';
import { jointBilateralUpsample } from '../engine/image/joint-bilateral.ts';

describe('joint bilateral upsampling', () => {
  it('is the identity on a constant image', () => {
    const ab = new Float32Array(4 * 3 * 2).map((_, i) => (i % 2 ? -12.5 : 30));
    const guide = new Float32Array(40 * 30).fill(0.6);
    const out = jointBilateralUpsample(ab, 4, 3, guide, 40, 30);
    for (let p = 0; p < 40 * 30; p++) {
      expect(out[p * 2]).toBeCloseTo(30, 5);
      expect(out[p * 2 + 1]).toBeCloseTo(-12.5, 5);
    }
  });

  it('snaps a colour edge to the lightness edge of the guide', () => {
    // Low-res: left half a = +40, right half a = -40 (4 x 1 cells). Guide: dark left of x = 20, light right.
    const lowWidth = 4, width = 40, height = 4;
    const ab = new Float32Array([40, 0, 40, 0, -40, 0, -40, 0]);
    const guide = Float32Array.from({ length: width * height }, (_, i) => (i % width < 20 ? 0.2 : 0.8));
    const out = jointBilateralUpsample(ab, lowWidth, 1, guide, width, height);
    const a = (x: number) => out[(1 * width + x) * 2];
    // Right next to the edge the colour stays on its own side (bilinear would give about 0 there).
    expect(a(19)).toBeGreaterThan(35);
    expect(a(20)).toBeLessThan(-35);
    // A guide without edges blends smoothly instead.
    const flat = jointBilateralUpsample(ab, lowWidth, 1, new Float32Array(width * height).fill(0.5), width, height);
    expect(Math.abs(flat[(width + 19) * 2])).toBeLessThan(20);
  });
});
