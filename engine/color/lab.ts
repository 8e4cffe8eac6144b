// sRGB <-> CIELAB (D65 white, sRGB transfer curve) on interleaved typed arrays, no allocation per
// pixel. RGB is in [0, 1]; L in [0, 100], a and b in CIELAB units.

// Linear sRGB -> XYZ (D65), IEC 61966-2-1; rows sum to the D65 white point.
export const M = [
  0.4124564, 0.3575761, 0.1804375,
  0.2126729, 0.7151522, 0.0721750,
  0.0193339, 0.1191920, 0.9503041,
];
// Its inverse.
export const M_INV = [
  3.2404542, -1.5371385, -0.4985314,
  -0.9692660, 1.8760108, 0.0415560,
  0.0556434, -0.2040259, 1.0572252,
];
export const WHITE = [0.95047, 1.0, 1.08883];
export const DELTA = 6 / 29;
export const DELTA_CUBED = DELTA ** 3;
export const SLOPE = 1 / (3 * DELTA * DELTA);

export function srgbToLinear(c: number): number {
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

export function linearToSrgb(c: number): number {
  return c <= 0.0031308 ? c * 12.92 : 1.055 * c ** (1 / 2.4) - 0.055;
}

const f = (t: number) => (t > DELTA_CUBED ? Math.cbrt(t) : t * SLOPE + 4 / 29);
const fInverse = (t: number) => (t > DELTA ? t * t * t : (t - 4 / 29) / SLOPE);

/** Interleaved RGB [0, 1] -> interleaved Lab. */
export function rgbToLab(rgb: ArrayLike<number>, out = new Float32Array(rgb.length)): Float32Array {
  for (let i = 0; i < rgb.length; i += 3) {
    const r = srgbToLinear(rgb[i]);
    const g = srgbToLinear(rgb[i + 1]);
    const b = srgbToLinear(rgb[i + 2]);
    const fx = f((M[0] * r + M[1] * g + M[2] * b) / WHITE[0]);
    const fy = f((M[3] * r + M[4] * g + M[5] * b) / WHITE[1]);
    const fz = f((M[6] * r + M[7] * g + M[8] * b) / WHITE[2]);
    out[i] = 116 * fy - 16;
    out[i + 1] = 500 * (fx - fy);
    out[i + 2] = 200 * (fy - fz);
  }
  return out;
}

/** Interleaved Lab -> interleaved RGB; out-of-gamut colours are clipped to [0, 1] unless clip is false. */
export function labToRgb(lab: ArrayLike<number>, out = new Float32Array(lab.length), clip = true): Float32Array {
  for (let i = 0; i < lab.length; i += 3) {
    const fy = (lab[i] + 16) / 116;
    const x = WHITE[0] * fInverse(fy + lab[i + 1] / 500);
    const y = WHITE[1] * fInverse(fy);
    const z = WHITE[2] * fInverse(fy - lab[i + 2] / 200);
    for (let c = 0; c < 3; c++) {
      const v = linearToSrgb(M_INV[c * 3] * x + M_INV[c * 3 + 1] * y + M_INV[c * 3 + 2] * z);
      out[i + c] = clip ? Math.min(1, Math.max(0, v)) : v;
    }
  }
  return out;
}

/** L of interleaved RGB [0, 1] (one value per pixel). */
export function lightnessOf(rgb: ArrayLike<number>, out = new Float32Array(rgb.length / 3)): Float32Array {
  for (let i = 0, p = 0; i < rgb.length; i += 3, p++) {
    const y = M[3] * srgbToLinear(rgb[i]) + M[4] * srgbToLinear(rgb[i + 1]) + M[5] * srgbToLinear(rgb[i + 2]);
    out[p] = 116 * f(y) - 16;
  }
  return out;
}
