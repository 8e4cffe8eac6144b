import { describe, expect, it } from 'vitest';
import { DEFAULT_JOINT_BILATERAL, jointBilateralUpsample } from '../engine/image/joint-bilateral.ts';
import { exactJointBilateralUpsample } from './support/jbf-reference.ts';

describe('joint bilateral upsampling', () => {
  it('is the identity on a constant image', () => {
    const ab = new Float32Array(4 * 3 * 2).map((_, i) => (i % 2 ? -12.5 : 30));
    const guide = new Float32Array(40 * 30).fill(0.6);
    const out = jointBilateralUpsample(ab, 4, 3, guide, 40, 30);
    for (let p = 0; p < 40 * 30; p++) {
      expect(out[p * 2]).toBeCloseTo(30, 4);
      expect(out[p * 2 + 1]).toBeCloseTo(-12.5, 4);
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

describe('joint bilateral upsampling on a bilateral grid', () => {
  it('stays within a fraction of a CIELAB unit of the exact filter on a photo-like guide', () => {
    const low = 16, width = 203, height = 151;
    const ab = Float32Array.from({ length: low * low * 2 }, (_, i) => 40 * Math.sin(i * 0.37) + 10 * Math.cos(i * 1.3));
    // Smooth shading, a hard edge and fine texture.
    const guide = Float32Array.from({ length: width * height }, (_, p) => {
      const x = p % width, y = Math.floor(p / width);
      return Math.min(1, Math.max(0, 0.3 + 0.2 * Math.sin(x / 17) + (x > 90 + y / 3 ? 0.35 : 0) + 0.05 * Math.sin(x * 1.7 + y * 2.3)));
    });
    const options = { ...DEFAULT_JOINT_BILATERAL };
    const fast = jointBilateralUpsample(ab, low, low, guide, width, height, options);
    const exact = exactJointBilateralUpsample(ab, low, low, guide, width, height, options);
    let sum = 0, worst = 0;
    for (let i = 0; i < fast.length; i++) {
      const d = Math.abs(fast[i] - exact[i]);
      sum += d;
      worst = Math.max(worst, d);
    }
    expect(sum / fast.length).toBeLessThan(0.25);
    expect(worst).toBeLessThan(2);
  });

  it('reads a guide in other units through guideScale', () => {
    const ab = Float32Array.from({ length: 8 * 8 * 2 }, (_, i) => (i * 7) % 23);
    const guide = Float32Array.from({ length: 50 * 40 }, (_, p) => (p % 50 < 25 ? 0.2 : 0.7));
    const scaled = jointBilateralUpsample(ab, 8, 8, guide.map((v) => v * 100), 50, 40, { ...DEFAULT_JOINT_BILATERAL, guideScale: 0.01 });
    const plain = jointBilateralUpsample(ab, 8, 8, guide, 50, 40);
    for (let i = 0; i < plain.length; i++) expect(scaled[i]).toBeCloseTo(plain[i], 3);
  });
});
