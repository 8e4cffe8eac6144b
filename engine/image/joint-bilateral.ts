// Joint bilateral upsampling (Kopf et al. 2007) of the model's low-resolution ab, guided by the
// full-resolution L: each output pixel averages the nearby low-resolution ab values, weighted by
// spatial distance and by how close their lightness is to its own, so colour edges snap to the
// edges of the photo.
//
// Computed on a bilateral grid: the weighted sums are smooth in space (the spatial sigma is a whole
// low-resolution pixel) and in lightness (the range sigma is 0.1), so they are evaluated once on a
// grid of 4 samples per low-resolution pixel and 2 lightness levels per range sigma, and each output
// pixel interpolates them trilinearly. That is 8 look-ups per pixel instead of 25 exponentials and
// keeps a 12-megapixel photo under half a second; the result stays within a fraction of a CIELAB
// unit of the exact filter (tested). Typed arrays only; nothing is allocated per pixel.

export interface JointBilateralOptions {
  /** Spatial sigma in low-resolution pixels. */
  sigmaSpatial: number;
  /** Range sigma on L scaled to [0, 1] (the authors: 0.10). */
  sigmaRange: number;
  /** Neighbourhood radius in low-resolution pixels. */
  radius: number;
  /** Factor that brings the guide to [0, 1] (0.01 for L in 0..100), so no scaled copy is needed. */
  guideScale?: number;
  /** Grid samples per low-resolution pixel (default 4; 2 is 4x cheaper to build, fine for previews). */
  gridSteps?: number;
}

export const DEFAULT_JOINT_BILATERAL: JointBilateralOptions = { sigmaSpatial: 1, sigmaRange: 0.1, radius: 2 };

/** Grid samples per low-resolution pixel along each axis, unless the options say otherwise. */
const SPATIAL_STEPS = 4;
/** Lightness levels per range sigma. */
const LEVELS_PER_SIGMA = 2;

/** Box average of the guide (scaled to [0, 1]) over each low-resolution cell. */
function downsampleGuide(guide: Float32Array, width: number, height: number, lowWidth: number, lowHeight: number, scale: number): Float32Array {
  const sums = new Float64Array(lowWidth * lowHeight);
  const rowCounts = new Uint32Array(lowHeight);
  // Cell c covers the columns from columnStart[c] up to columnStart[c + 1].
  const columnStart = Int32Array.from({ length: lowWidth + 1 }, (_, c) => Math.ceil((c * width) / lowWidth));
  for (let y = 0; y < height; y++) {
    const row = Math.min(lowHeight - 1, Math.floor((y * lowHeight) / height));
    rowCounts[row]++;
    for (let c = 0; c < lowWidth; c++) {
      let sum = 0;
      for (let p = y * width + columnStart[c], end = y * width + columnStart[c + 1]; p < end; p++) sum += guide[p];
      sums[row * lowWidth + c] += sum;
    }
  }
  return Float32Array.from(sums, (s, i) => (s * scale) / Math.max(1, rowCounts[Math.floor(i / lowWidth)] * (columnStart[(i % lowWidth) + 1] - columnStart[i % lowWidth])));
}

/**
 * Spatial weights of the grid samples along one axis: for each sample, the first low-resolution
 * neighbour and the Gaussian weight of each of the 2r+1 neighbours (zero outside the image).
 */
function gridAxisWeights(lowSize: number, radius: number, sigma: number, steps: number) {
  const samples = lowSize * steps;
  const taps = 2 * radius + 1;
  const first = new Int32Array(samples);
  const weights = new Float32Array(samples * taps);
  for (let g = 0; g < samples; g++) {
    const centre = (g + 0.5) / steps - 0.5; // in low-resolution pixel coordinates
    const start = Math.round(centre) - radius;
    first[g] = start;
    for (let t = 0; t < taps; t++) {
      const q = start + t;
      weights[g * taps + t] = q < 0 || q >= lowSize ? 0 : Math.exp(-((q - centre) ** 2) / (2 * sigma * sigma));
    }
  }
  return { samples, first, weights, taps };
}

/** For each output coordinate, the grid sample before it and the weight of the one after. */
function sliceAxis(size: number, lowSize: number, steps: number) {
  const samples = lowSize * steps;
  const index = new Int32Array(size);
  const fraction = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    const low = ((i + 0.5) * lowSize) / size - 0.5;
    const g = Math.min(samples - 1, Math.max(0, (low + 0.5) * steps - 0.5));
    index[i] = Math.min(samples - 2, Math.floor(g));
    fraction[i] = g - index[i];
  }
  return { index, fraction };
}

/**
 * @param ab low-resolution ab, interleaved, lowWidth x lowHeight
 * @param guide full-resolution L, width x height, in [0, 1] after options.guideScale
 * @returns full-resolution ab, interleaved
 */
export function jointBilateralUpsample(
  ab: Float32Array, lowWidth: number, lowHeight: number,
  guide: Float32Array, width: number, height: number,
  options: JointBilateralOptions = DEFAULT_JOINT_BILATERAL,
  out = new Float32Array(width * height * 2),
): Float32Array {
  const scale = options.guideScale ?? 1;
  const lowGuide = downsampleGuide(guide, width, height, lowWidth, lowHeight, scale);
  const levels = Math.ceil(LEVELS_PER_SIGMA / options.sigmaRange) + 1;
  const lowCount = lowWidth * lowHeight;

  // Range weight of each low-resolution pixel at each lightness level.
  const range = new Float32Array(levels * lowCount);
  for (let k = 0; k < levels; k++) {
    const level = k / (levels - 1);
    for (let q = 0; q < lowCount; q++) range[k * lowCount + q] = Math.exp(-((level - lowGuide[q]) ** 2) / (2 * options.sigmaRange ** 2));
  }

  // The grid: for each spatial sample and level, the weighted sums of a and b and the total weight.
  // The spatial Gaussian is separable: first along each low-resolution row, then down the columns.
  const steps = options.gridSteps ?? SPATIAL_STEPS;
  const columns = gridAxisWeights(lowWidth, options.radius, options.sigmaSpatial, steps);
  const rows = gridAxisWeights(lowHeight, options.radius, options.sigmaSpatial, steps);
  const taps = columns.taps;
  const gridWidth = columns.samples;
  const cellSize = levels * 3;
  const across = new Float32Array(lowHeight * gridWidth * cellSize);
  for (let qy = 0; qy < lowHeight; qy++) {
    for (let gx = 0; gx < gridWidth; gx++) {
      const cell = (qy * gridWidth + gx) * cellSize;
      for (let tx = 0; tx < taps; tx++) {
        const wx = columns.weights[gx * taps + tx];
        if (wx === 0) continue;
        const q = qy * lowWidth + columns.first[gx] + tx;
        const a = ab[q * 2], b = ab[q * 2 + 1];
        for (let k = 0, at = cell; k < levels; k++, at += 3) {
          const w = wx * range[k * lowCount + q];
          across[at] += w * a;
          across[at + 1] += w * b;
          across[at + 2] += w;
        }
      }
    }
  }
  const grid = new Float32Array(rows.samples * gridWidth * cellSize);
  const rowSize = gridWidth * cellSize;
  for (let gy = 0; gy < rows.samples; gy++) {
    const target = gy * rowSize;
    for (let ty = 0; ty < taps; ty++) {
      const wy = rows.weights[gy * taps + ty];
      if (wy === 0) continue;
      const source = (rows.first[gy] + ty) * rowSize;
      for (let i = 0; i < rowSize; i++) grid[target + i] += wy * across[source + i];
    }
  }

  sliceGrid(grid, gridWidth, levels, steps, ab, lowWidth, lowHeight, guide, width, height, scale, out);
  return out;
}

/** Slicing: trilinear interpolation of the grid at each pixel's position and lightness. */
function sliceGrid(
  grid: Float32Array, gridWidth: number, levels: number, steps: number, ab: Float32Array, lowWidth: number, lowHeight: number,
  guide: Float32Array, width: number, height: number, scale: number, out: Float32Array,
): void {
  const xs = sliceAxis(width, lowWidth, steps);
  const ys = sliceAxis(height, lowHeight, steps);
  const rowStride = gridWidth * levels * 3;
  const columnStride = levels * 3;
  const top = levels - 1;
  const levelScale = scale * top;
  // Each output row first interpolates the grid between its two grid rows; each pixel then reads
  // two columns x two levels of that row.
  const row = new Float32Array(rowStride);
  for (let y = 0; y < height; y++) {
    const fy = ys.fraction[y];
    const upper = ys.index[y] * rowStride;
    for (let i = 0; i < rowStride; i++) row[i] = grid[upper + i] + fy * (grid[upper + rowStride + i] - grid[upper + i]);
    for (let x = 0, p = y * width; x < width; x++, p++) {
      const fx = xs.fraction[x];
      let level = guide[p] * levelScale;
      level = level < 0 ? 0 : level > top ? top : level;
      const k = level >= top ? top - 1 : level | 0;
      const fk = level - k;
      const left = xs.index[x] * columnStride + k * 3;
      const right = left + columnStride;
      const w0 = (1 - fx) * (1 - fk), w1 = (1 - fx) * fk, w2 = fx * (1 - fk), w3 = fx * fk;
      const total = w0 * row[left + 2] + w1 * row[left + 5] + w2 * row[right + 2] + w3 * row[right + 5];
      if (total > 1e-30) {
        out[p * 2] = (w0 * row[left] + w1 * row[left + 3] + w2 * row[right] + w3 * row[right + 3]) / total;
        out[p * 2 + 1] = (w0 * row[left + 1] + w1 * row[left + 4] + w2 * row[right + 1] + w3 * row[right + 4]) / total;
      } else {
        // Every neighbour differs too much in lightness: the nearest low-resolution value.
        const q = Math.min(lowHeight - 1, Math.floor((y * lowHeight) / height)) * lowWidth + Math.min(lowWidth - 1, Math.floor((x * lowWidth) / width));
        out[p * 2] = ab[q * 2];
        out[p * 2 + 1] = ab[q * 2 + 1];
      }
    }
  }
}
