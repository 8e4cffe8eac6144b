// From the model's low-resolution ab to pixels: joint bilateral upsampling guided by the photo's
// own L (screen size for previews, full size for exports), region layers blended in by their brush
// masks, and L + ab to sRGB.
import sharp from 'sharp';
import { labPlanesToCodes } from '../color/planes.ts';
import { DEFAULT_JOINT_BILATERAL, jointBilateralUpsample } from '../image/joint-bilateral.ts';
import type { ModelConfig } from '../model/config.ts';
import { rasteriseStrokes, type Stroke } from './mask.ts';
import type { Plane } from './photo.ts';

/** One decoded layer of a sample: ab in CIELAB units at the chroma size, and where it applies. */
export interface ChromaLayer {
  ab: Float32Array;
  /** Brush strokes limiting the layer; none for the base layer. */
  strokes?: Stroke[];
}

/** Normalised ab from the model -> CIELAB units. */
export function denormalise(config: ModelConfig, chroma: Float32Array): Float32Array {
  const { a, b } = config.normalisation;
  const out = new Float32Array(chroma.length);
  for (let i = 0; i < chroma.length; i += 2) {
    out[i] = chroma[i] * a.scale + a.mean;
    out[i + 1] = chroma[i + 1] * b.scale + b.mean;
  }
  return out;
}

/** How finely the upsampling is computed: exactly enough for files, a coarser grid for previews. */
export type Quality = 'full' | 'preview';

/** Upsamples low-resolution ab to the plane's size, guided by its L. */
export function upsample(ab: Float32Array, size: number, plane: Plane, quality: Quality = 'full', out?: Float32Array<ArrayBuffer>): Float32Array {
  const options = { ...DEFAULT_JOINT_BILATERAL, guideScale: 0.01, gridSteps: quality === 'preview' ? 2 : undefined };
  return jointBilateralUpsample(ab, size, size, plane.lightness, plane.width, plane.height, options, out);
}

/** Soft edge of region masks: about 0.3 % of the photo's width, at least one pixel. */
function featherFor(width: number): number {
  return Math.max(1, width / 300);
}

/**
 * The sample's ab at the plane's size: the base layer, then each region layer mixed in by its
 * mask, so pixels outside every mask keep the base layer's values exactly.
 */
export function composeAb(layers: ChromaLayer[], size: number, plane: Plane, quality: Quality = 'full'): Float32Array {
  const out = upsample(layers[0].ab, size, plane, quality);
  if (layers.length === 1) return out;
  const layer = new Float32Array(out.length);
  for (const { ab, strokes } of layers.slice(1)) {
    upsample(ab, size, plane, quality, layer);
    const mask = rasteriseStrokes(strokes ?? [], plane.width, plane.height, featherFor(plane.width));
    for (let p = 0; p < mask.length; p++) {
      const m = mask[p];
      if (m === 0) continue;
      out[p * 2] += m * (layer[p * 2] - out[p * 2]);
      out[p * 2 + 1] += m * (layer[p * 2 + 1] - out[p * 2 + 1]);
    }
  }
  return out;
}

/** The same composition at the chroma size (for likelihoods and the ambiguity map). */
export function composeLowAb(layers: ChromaLayer[], size: number): Float32Array {
  const out = layers[0].ab.slice();
  for (const { ab, strokes } of layers.slice(1)) {
    const mask = rasteriseStrokes(strokes ?? [], size, size, 0.5);
    for (let p = 0; p < mask.length; p++) {
      out[p * 2] += mask[p] * (ab[p * 2] - out[p * 2]);
      out[p * 2 + 1] += mask[p] * (ab[p * 2 + 1] - out[p * 2 + 1]);
    }
  }
  return out;
}

export function rgb8(plane: Plane, ab: Float32Array): Uint8Array {
  return labPlanesToCodes(plane.lightness, ab, new Uint8Array(plane.width * plane.height * 3));
}

/** An encoded preview the renderer can show directly (JPEG data URL). */
export async function previewUrl(rgb: Uint8Array, width: number, height: number): Promise<string> {
  const jpeg = await sharp(rgb, { raw: { width, height, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
  return `data:image/jpeg;base64,${jpeg.toString('base64')}`;
}

// Stops of a perceptually ordered dark-to-bright colour map (black, purple, red, orange, pale yellow).
const HEAT = [[0, 0, 4], [87, 16, 110], [188, 55, 84], [249, 142, 9], [252, 255, 164]];

/** Values in [0, 1] -> RGB of the heat map. */
export function heatmap(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length * 3);
  for (let p = 0; p < values.length; p++) {
    const position = Math.min(1, Math.max(0, values[p])) * (HEAT.length - 1);
    const i = Math.min(HEAT.length - 2, Math.floor(position));
    const t = position - i;
    for (let c = 0; c < 3; c++) out[p * 3 + c] = Math.round(HEAT[i][c] + t * (HEAT[i + 1][c] - HEAT[i][c]));
  }
  return out;
}
