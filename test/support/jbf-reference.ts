// The exact joint bilateral upsampling, pixel by pixel (25 taps each): the reference the engine's
// bilateral-grid version is tested against. Too slow for 12-megapixel photos (about 7 s).
import type { JointBilateralOptions } from '../../engine/image/joint-bilateral.ts';

const RANGE_TABLE_SIZE = 1024;

/** Box average of the guide over each low-resolution cell. */
function downsampleGuide(guide: Float32Array, width: number, height: number, lowWidth: number, lowHeight: number): Float32Array {
  const sums = new Float64Array(lowWidth * lowHeight);
  const counts = new Uint32Array(lowWidth * lowHeight);
  for (let y = 0; y < height; y++) {
    const ly = Math.min(lowHeight - 1, Math.floor((y * lowHeight) / height));
    for (let x = 0; x < width; x++) {
      const cell = ly * lowWidth + Math.min(lowWidth - 1, Math.floor((x * lowWidth) / width));
      sums[cell] += guide[y * width + x];
      counts[cell]++;
    }
  }
  return Float32Array.from(sums, (s, i) => s / Math.max(1, counts[i]));
}

/**
 * Spatial weights along one axis: for each output coordinate, the first low-resolution neighbour
 * and the Gaussian weight of each of the 2r+1 neighbours (zero outside the image).
 */
function axisWeights(size: number, lowSize: number, radius: number, sigma: number) {
  const taps = 2 * radius + 1;
  const first = new Int32Array(size);
  const weights = new Float32Array(size * taps);
  for (let i = 0; i < size; i++) {
    const centre = ((i + 0.5) * lowSize) / size - 0.5;
    const start = Math.round(centre) - radius;
    first[i] = start;
    for (let t = 0; t < taps; t++) {
      const q = start + t;
      weights[i * taps + t] = q < 0 || q >= lowSize ? 0 : Math.exp(-((q - centre) ** 2) / (2 * sigma * sigma));
    }
  }
  return { first, weights, taps };
}

/**
 * @param ab low-resolution ab, interleaved, lowWidth x lowHeight
 * @param guide full-resolution L, width x height, in [0, 1] after options.guideScale
 * @returns full-resolution ab, interleaved
 */
export function exactJointBilateralUpsample(
  ab: Float32Array, lowWidth: number, lowHeight: number,
  guide: Float32Array, width: number, height: number,
  options: JointBilateralOptions,
  out = new Float32Array(width * height * 2),
): Float32Array {
  const scale = options.guideScale ?? 1;
  const lowGuide = downsampleGuide(guide, width, height, lowWidth, lowHeight);
  const columns = axisWeights(width, lowWidth, options.radius, options.sigmaSpatial);
  const rows = axisWeights(height, lowHeight, options.radius, options.sigmaSpatial);
  const taps = columns.taps;
  // exp(-d^2 / 2 sigma^2) for |d| in [0, 1], tabulated.
  const range = Float32Array.from({ length: RANGE_TABLE_SIZE + 1 }, (_, i) => Math.exp(-((i / RANGE_TABLE_SIZE) ** 2) / (2 * options.sigmaRange ** 2)));

  for (let y = 0; y < height; y++) {
    const rowFirst = rows.first[y];
    for (let x = 0; x < width; x++) {
      const own = guide[y * width + x];
      const columnFirst = columns.first[x];
      let total = 0, a = 0, b = 0;
      for (let ty = 0; ty < taps; ty++) {
        const wy = rows.weights[y * taps + ty];
        if (wy === 0) continue;
        const qy = rowFirst + ty;
        for (let tx = 0; tx < taps; tx++) {
          const wx = columns.weights[x * taps + tx];
          if (wx === 0) continue;
          const q = qy * lowWidth + columnFirst + tx;
          const difference = Math.min(1, Math.abs(lowGuide[q] - own) * scale);
          const w = wy * wx * range[Math.round(difference * RANGE_TABLE_SIZE)];
          total += w;
          a += w * ab[q * 2];
          b += w * ab[q * 2 + 1];
        }
      }
      const p = (y * width + x) * 2;
      if (total > 1e-12) {
        out[p] = a / total;
        out[p + 1] = b / total;
      } else {
        // Every neighbour differs too much in lightness: fall back to the nearest low-res value.
        const q = Math.min(lowHeight - 1, Math.floor((y * lowHeight) / height)) * lowWidth + Math.min(lowWidth - 1, Math.floor((x * lowWidth) / width));
        out[p] = ab[q * 2];
        out[p + 1] = ab[q * 2 + 1];
      }
    }
  }
  return out;
}
