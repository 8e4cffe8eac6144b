import { describe, expect, it } from 'vitest';
import { bestOfSquaredError, colourfulness, MetricTotals, sampleVariance, squaredError } from '../engine/eval/metrics.ts';

const f = (values: number[]) => Float32Array.from(values);

describe('evaluation metrics against hand-computed values', () => {
  // One pixel (3 values) of truth and two samples.
  const truth = f([0.5, 0.5, 0.5]);
  const a = f([0.6, 0.5, 0.2]); // errors^2: 0.01, 0, 0.09
  const b = f([0.5, 0.9, 0.4]); // errors^2: 0, 0.16, 0.01

  it('best-of-N takes the minimum per value', () => {
    expect(bestOfSquaredError([a, b], truth)).toBeCloseTo(0 + 0 + 0.01, 6);
  });

  it('squared error and variance across samples', () => {
    expect(squaredError(a, truth)).toBeCloseTo(0.1, 6);
    // Per value variance of two samples: ((x - y) / 2)^2.
    expect(sampleVariance([a, b])).toBeCloseTo(0.0025 + 0.04 + 0.01, 6);
  });

  it('colourfulness: 0 for gray, the Hasler-Suesstrunk value for a red/green image', () => {
    expect(colourfulness(f([0.2, 0.2, 0.2, 0.7, 0.7, 0.7]))).toBeCloseTo(0, 6);
    // Pixels red (255, 0, 0) and green (0, 255, 0): rg = +-255, yb = 127.5 both.
    // std_rg = 255, std_yb = 0, mean_rg = 0, mean_yb = 127.5 -> 255 + 0.3 * 127.5.
    expect(colourfulness(f([1, 0, 0, 0, 1, 0]))).toBeCloseTo(255 + 0.3 * 127.5, 3);
  });

  it('totals pool over images and scale as the paper reports (x100, x1e4)', () => {
    const totals = new MetricTotals();
    totals.add([a, b], truth, 3);
    totals.add([truth, truth], truth, 5);
    const result = totals.result();
    expect(result.images).toBe(2);
    expect(result.best_of_8_rms).toBeCloseTo(Math.sqrt(0.01 / 6) * 100, 4);
    expect(result.single_rms).toBeCloseTo(Math.sqrt((0.1 + 0.17) / 12) * 100, 4);
    expect(result.variance).toBeCloseTo((0.0525 / 6) * 1e4, 3);
    expect(result.nll_bpd).toBe(4);
  });
});
