// Full-resolution conversions on planes: L from 8/16-bit sRGB, and L + ab back to 8/16-bit sRGB.
// A 12-megapixel photo is 36 million channel values, so the sRGB transfer curve is tabulated
// instead of calling pow per value.

import { DELTA, DELTA_CUBED, M, M_INV, SLOPE, WHITE } from './lab.ts';

/** The Y row of the sRGB -> XYZ matrix. */
const M_Y = M.slice(3, 6);
const [WHITE_X, , WHITE_Z] = WHITE;

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

const lightOf = (y: number) => (y > DELTA_CUBED ? 116 * Math.cbrt(y) - 16 : 116 * (y * SLOPE + 4 / 29) - 16);

const Y_STEPS = 1 << 16;
/** L of relative luminance Y on a grid of 65,537 steps (error below 0.01 L units). */
const lightnessOfLuminance = Float32Array.from({ length: Y_STEPS + 1 }, (_, i) => lightOf(i / Y_STEPS));
const grayTables = new Map<number, Float32Array>();

/** L of every code of a gray channel. */
function grayTable(maxCode: number): Float32Array {
  let table = grayTables.get(maxCode);
  if (!table) {
    table = decodeTable(maxCode).map(lightOf);
    grayTables.set(maxCode, table);
  }
  return table;
}

/**
 * L (0..100) of interleaved 8- or 16-bit sRGB codes with `channels` values per pixel: 3 or 4 for
 * colour, 1 or 2 for gray (alpha ignored).
 */
export function lightnessOfCodes(codes: Uint8Array | Uint16Array, channels: number, out?: Float32Array): Float32Array {
  const maxCode = codes instanceof Uint16Array ? 65535 : 255;
  const pixels = codes.length / channels;
  const result = out ?? new Float32Array(pixels);
  if (channels < 3) {
    const table = grayTable(maxCode);
    for (let p = 0, i = 0; p < pixels; p++, i += channels) result[p] = table[codes[i]];
    return result;
  }
  const table = decodeTable(maxCode);
  const [wr, wg, wb] = M_Y;
  for (let p = 0, i = 0; p < pixels; p++, i += channels) {
    const y = wr * table[codes[i]] + wg * table[codes[i + 1]] + wb * table[codes[i + 2]];
    result[p] = lightnessOfLuminance[((y >= 1 ? 1 : y) * Y_STEPS + 0.5) | 0];
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

/**
 * Interleaved sRGB codes from the L plane and interleaved ab; out-of-gamut colours are clipped.
 * The table's 65,537-step grid of linear light keeps the result within one code of the direct
 * formula (16-bit output: within a few codes in the darkest tones).
 */
export function labPlanesToCodes<T extends Uint8Array | Uint16Array>(lightness: Float32Array, ab: Float32Array, out: T): T {
  const table = encodeTable(out instanceof Uint16Array ? 65535 : 255);
  const pixels = lightness.length;
  const [r0, r1, r2, g0, g1, g2, b0, b1, b2] = M_INV;
  for (let p = 0, i = 0; p < pixels; p++, i += 3) {
    const fy = (lightness[p] + 16) / 116;
    const fx = fy + ab[p * 2] / 500, fz = fy - ab[p * 2 + 1] / 200;
    const x = WHITE_X * (fx > DELTA ? fx * fx * fx : (fx - 4 / 29) / SLOPE);
    const y = fy > DELTA ? fy * fy * fy : (fy - 4 / 29) / SLOPE;
    const z = WHITE_Z * (fz > DELTA ? fz * fz * fz : (fz - 4 / 29) / SLOPE);
    const r = r0 * x + r1 * y + r2 * z, g = g0 * x + g1 * y + g2 * z, b = b0 * x + b1 * y + b2 * z;
    // Clipped to [0, 1] and rounded to the table's grid (+0.5 and truncation: values are >= 0).
    out[i] = table[((r <= 0 ? 0 : r >= 1 ? 1 : r) * ENCODE_STEPS + 0.5) | 0];
    out[i + 1] = table[((g <= 0 ? 0 : g >= 1 ? 1 : g) * ENCODE_STEPS + 0.5) | 0];
    out[i + 2] = table[((b <= 0 ? 0 : b >= 1 ? 1 : b) * ENCODE_STEPS + 0.5) | 0];
  }
  return out;
}
