// Full-resolution conversions on planes: L from 8/16-bit sRGB, and L + ab back to 8/16-bit sRGB.
// A 12-megapixel photo is 36 million channel values, so the sRGB transfer curve is tabulated
// instead of calling pow per value.

const M_Y = [0.2126729, 0.7151522, 0.072175];
const M_INV = [
  3.2404542, -1.5371385, -0.4985314,
  -0.969266, 1.8760108, 0.041556,
  0.0556434, -0.2040259, 1.0572252,
];
const WHITE_X = 0.95047, WHITE_Z = 1.08883;
const DELTA = 6 / 29;
const DELTA_CUBED = DELTA ** 3;
const SLOPE = 1 / (3 * DELTA * DELTA);

const decodeTables = new Map<number, Float32Array>();

/** sRGB code value -> linear light, for every code of an 8- or 16-bit channel. */
function decodeTable(maxCode: number): Float32Array {
  let table = decodeTables.get(maxCode);
  if (!table) {
    table = new Float32Array(maxCode + 1);
    for (let v = 0; v <= maxCode; v++) {
      const c = v / maxCode;
      table[v] = c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    }
    decodeTables.set(maxCode, table);
  }
  return table;
}

/** L (0..100) of interleaved 8- or 16-bit sRGB with `channels` values per pixel (alpha ignored). */
export function lightnessOfCodes(codes: Uint8Array | Uint16Array, channels: number, out?: Float32Array): Float32Array {
  const table = decodeTable(codes instanceof Uint16Array ? 65535 : 255);
  const pixels = codes.length / channels;
  const result = out ?? new Float32Array(pixels);
  for (let p = 0, i = 0; p < pixels; p++, i += channels) {
    const y = channels >= 3 ? M_Y[0] * table[codes[i]] + M_Y[1] * table[codes[i + 1]] + M_Y[2] * table[codes[i + 2]] : table[codes[i]];
    result[p] = y > DELTA_CUBED ? 116 * Math.cbrt(y) - 16 : 116 * (y * SLOPE + 4 / 29) - 16;
  }
  return result;
}

const ENCODE_STEPS = 1 << 16;
const encodeTables = new Map<number, Uint16Array>();

/** Linear light on a fine grid in [0, 1] -> sRGB code value, rounded. */
function encodeTable(maxCode: number): Uint16Array {
  let table = encodeTables.get(maxCode);
  if (!table) {
    table = new Uint16Array(ENCODE_STEPS + 1);
    for (let i = 0; i <= ENCODE_STEPS; i++) {
      const c = i / ENCODE_STEPS;
      const v = c <= 0.0031308 ? c * 12.92 : 1.055 * c ** (1 / 2.4) - 0.055;
      table[i] = Math.round(v * maxCode);
    }
    encodeTables.set(maxCode, table);
  }
  return table;
}

const fInverse = (t: number) => (t > DELTA ? t * t * t : (t - 4 / 29) / SLOPE);

/**
 * Interleaved sRGB codes from the L plane and interleaved ab; out-of-gamut colours are clipped.
 * The table's 65,537-step grid of linear light keeps the result within one code of the direct
 * formula (16-bit output: within a few codes in the darkest tones).
 */
export function labPlanesToCodes<T extends Uint8Array | Uint16Array>(lightness: Float32Array, ab: Float32Array, out: T): T {
  const table = encodeTable(out instanceof Uint16Array ? 65535 : 255);
  const pixels = lightness.length;
  for (let p = 0; p < pixels; p++) {
    const fy = (lightness[p] + 16) / 116;
    const x = WHITE_X * fInverse(fy + ab[p * 2] / 500);
    const y = fInverse(fy);
    const z = WHITE_Z * fInverse(fy - ab[p * 2 + 1] / 200);
    for (let c = 0; c < 3; c++) {
      const linear = M_INV[c * 3] * x + M_INV[c * 3 + 1] * y + M_INV[c * 3 + 2] * z;
      const clipped = linear <= 0 ? 0 : linear >= 1 ? 1 : linear;
      out[p * 3 + c] = table[Math.round(clipped * ENCODE_STEPS)];
    }
  }
  return out;
}
