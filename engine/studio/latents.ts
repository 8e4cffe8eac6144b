// Latent codes of one sample as plain arrays, one per latent part of the flow (finest first, the
// global part last), and what the studio does with them: scale, mix, interpolate, replace a region.

/** One sample's z: a Float32Array per latent part. */
export type Latent = Float32Array[];

export function scaleLatent(z: Latent, factor: number): Latent {
  return z.map((part) => part.map((v) => v * factor));
}

/** The latent as one vector (for norms and angles across all parts). */
function dot(a: Latent, b: Latent): number {
  let sum = 0;
  for (let p = 0; p < a.length; p++) for (let i = 0; i < a[p].length; i++) sum += a[p][i] * b[p][i];
  return sum;
}

export function lerpLatent(a: Latent, b: Latent, t: number): Latent {
  return a.map((part, p) => part.map((v, i) => v + (b[p][i] - v) * t));
}

/**
 * Spherical interpolation on the whole vector: for Gaussian latents the norm stays typical along
 * the path, where a straight line passes through low-norm (washed-out) codes.
 */
export function slerpLatent(a: Latent, b: Latent, t: number): Latent {
  const normA = Math.sqrt(dot(a, a));
  const normB = Math.sqrt(dot(b, b));
  const cosine = Math.min(1, Math.max(-1, dot(a, b) / (normA * normB || 1)));
  const angle = Math.acos(cosine);
  if (angle < 1e-6) return lerpLatent(a, b, t);
  const wa = Math.sin((1 - t) * angle) / Math.sin(angle);
  const wb = Math.sin(t * angle) / Math.sin(angle);
  return a.map((part, p) => part.map((v, i) => wa * v + wb * b[p][i]));
}

export type InterpolationMode = 'linear' | 'spherical';

/**
 * `frames` latents along the path through the keyframes, evenly spaced in keyframe segments:
 * the first frame is the first keyframe and the last frame the last keyframe, exactly.
 */
export function interpolatePath(keyframes: Latent[], frames: number, mode: InterpolationMode): Latent[] {
  if (keyframes.length < 2) throw new Error('an interpolation needs at least two keyframes');
  if (!Number.isInteger(frames) || frames < 2) throw new Error('an interpolation needs at least two frames');
  const segments = keyframes.length - 1;
  const step = mode === 'spherical' ? slerpLatent : lerpLatent;
  return Array.from({ length: frames }, (_, f) => {
    const position = (f / (frames - 1)) * segments;
    const segment = Math.min(segments - 1, Math.floor(position));
    const t = position - segment;
    if (t === 0) return keyframes[segment].map((part) => part.slice());
    if (t === 1) return keyframes[segment + 1].map((part) => part.slice());
    return step(keyframes[segment], keyframes[segment + 1], t);
  });
}

/**
 * The paper's per-part colour-transfer mix z_i = sqrt(s_i) z_random + sqrt(1 - s_i) z_ref:
 * s_i = 1 keeps part i free, s_i = 0 takes it from the reference.
 */
export function mixLatents(random: Latent, reference: Latent, freedom: number[]): Latent {
  if (freedom.length !== random.length) throw new Error(`expected ${random.length} per-level values, got ${freedom.length}`);
  return random.map((part, p) => {
    const s = freedom[p];
    if (!(s >= 0 && s <= 1)) throw new Error(`per-level value ${s} is outside 0..1`);
    const wr = Math.sqrt(s), wf = Math.sqrt(1 - s);
    return part.map((v, i) => wr * v + wf * reference[p][i]);
  });
}

/**
 * Per-part freedom for one strength control. At strength 1 it is the authors' (1, 0.7, 0, 0) from
 * finest to global: global colour from the reference, fine detail free. At strength 0 every part
 * is free (an ordinary sample). Other part counts: finest 1, second 0.7, the rest 0, scaled alike.
 */
export function transferFreedom(parts: number, strength: number): number[] {
  if (!(strength >= 0 && strength <= 1)) throw new Error(`strength ${strength} is outside 0..1`);
  const full = Array.from({ length: parts }, (_, p) => (p === 0 ? 1 : p === 1 && parts > 2 ? 0.7 : 0));
  return full.map((s) => 1 - strength * (1 - s));
}

/**
 * Takes from `fresh` the entries of each spatial part whose cell is covered by the mask and keeps
 * the rest (and the global part) from `current`.
 * @param covered for a part of height h and width w, whether cell (row, column) lies under the mask
 */
export function replaceRegion(current: Latent, fresh: Latent, shapes: number[][], covered: (h: number, w: number, row: number, column: number) => boolean): Latent {
  return current.map((part, p) => {
    const shape = shapes[p];
    if (shape.length !== 3) return part.slice();
    const [h, w, c] = shape;
    const out = part.slice();
    for (let row = 0; row < h; row++) {
      for (let column = 0; column < w; column++) {
        if (!covered(h, w, row, column)) continue;
        const at = (row * w + column) * c;
        for (let k = 0; k < c; k++) out[at + k] = fresh[p][at + k];
      }
    }
    return out;
  });
}
