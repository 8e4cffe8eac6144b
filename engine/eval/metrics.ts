// Evaluation metrics of the paper's protocol (../shared/PAPER.md, Table 1), on interleaved RGB in
// [0, 1]. Per image they return sums, so a data set's value is pooled over all its pixels.

/** Sum over pixels and channels of the per-value minimum over samples of (sample - truth)^2. */
export function bestOfSquaredError(samples: Float32Array[], truth: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < truth.length; i++) {
    let best = Infinity;
    for (const sample of samples) best = Math.min(best, (sample[i] - truth[i]) ** 2);
    sum += best;
  }
  return sum;
}

/** Sum over pixels and channels of (sample - truth)^2. */
export function squaredError(sample: Float32Array, truth: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < truth.length; i++) sum += (sample[i] - truth[i]) ** 2;
  return sum;
}

/** Sum over pixels and channels of the variance across samples (population variance). */
export function sampleVariance(samples: Float32Array[]): number {
  const n = samples.length;
  let sum = 0;
  for (let i = 0; i < samples[0].length; i++) {
    let mean = 0;
    for (const s of samples) mean += s[i];
    mean /= n;
    let variance = 0;
    for (const s of samples) variance += (s[i] - mean) ** 2;
    sum += variance / n;
  }
  return sum;
}

/**
 * Hasler and Suesstrunk's colourfulness on 0-255 RGB: rg = R - G, yb = (R + G) / 2 - B,
 * M = sqrt(std_rg^2 + std_yb^2) + 0.3 sqrt(mean_rg^2 + mean_yb^2).
 */
export function colourfulness(rgb: Float32Array): number {
  const pixels = rgb.length / 3;
  let sumRg = 0, sumYb = 0, sumRg2 = 0, sumYb2 = 0;
  for (let i = 0; i < rgb.length; i += 3) {
    const r = rgb[i] * 255, g = rgb[i + 1] * 255, b = rgb[i + 2] * 255;
    const rg = r - g;
    const yb = (r + g) / 2 - b;
    sumRg += rg; sumYb += yb; sumRg2 += rg * rg; sumYb2 += yb * yb;
  }
  const meanRg = sumRg / pixels, meanYb = sumYb / pixels;
  const varRg = Math.max(0, sumRg2 / pixels - meanRg ** 2);
  const varYb = Math.max(0, sumYb2 / pixels - meanYb ** 2);
  return Math.sqrt(varRg + varYb) + 0.3 * Math.sqrt(meanRg ** 2 + meanYb ** 2);
}

/** Running totals over a data set, turned into the reported numbers at the end. */
export class MetricTotals {
  private values = 0;
  private bestOf = 0;
  private single = 0;
  private singleCount = 0;
  private variance = 0;
  private colour = 0;
  private colourTruth = 0;
  private colourCount = 0;
  private nll = 0;
  private nllCount = 0;
  images = 0;

  /** Adds one image: its samples (RGB) and its ground truth. */
  add(samples: Float32Array[], truth: Float32Array, nllBitsPerDim: number | null): void {
    this.images++;
    this.values += truth.length;
    this.bestOf += bestOfSquaredError(samples, truth);
    for (const sample of samples) {
      this.single += squaredError(sample, truth);
      this.colour += colourfulness(sample);
    }
    this.singleCount += samples.length;
    this.colourCount += samples.length;
    this.variance += sampleVariance(samples);
    this.colourTruth += colourfulness(truth);
    if (nllBitsPerDim !== null) { this.nll += nllBitsPerDim; this.nllCount++; }
  }

  result() {
    const perValue = (total: number, count = 1) => total / (this.values / this.images) / this.images / count;
    return {
      best_of_8_rms: Math.sqrt(perValue(this.bestOf)) * 100,
      single_rms: Math.sqrt(perValue(this.single, this.singleCount / this.images)) * 100,
      variance: perValue(this.variance) * 1e4,
      colourfulness: this.colour / this.colourCount,
      colourfulness_truth: this.colourTruth / this.images,
      nll_bpd: this.nllCount ? this.nll / this.nllCount : null,
      images: this.images,
    };
  }
}
