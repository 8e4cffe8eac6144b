// Pixels of a sample: screen-size previews for the gallery and full-resolution files, with the
// original's metadata and a provenance note, written atomically and never over an existing file.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { labPlanesToCodes } from '../color/planes.ts';
import { encodeImage, formatForPath, type OutputFormat } from '../image/encode.ts';
import { writeNewFileAtomic } from '../io/atomic.ts';
import { version } from '../version.ts';
import { LOUPE_SIZE, readLightness, type Plane } from './photo.ts';
import { type ChromaLayer, composeAb, heatmap, previewUrl, rgb8, upsample } from './render.ts';
import type { OpenPhoto, Sample, StudioSession } from './session.ts';

/** Full scale of the ambiguity map: a chroma spread of this many CIELAB units is the brightest. */
export const AMBIGUITY_FULL_SCALE = 30;

/** Decoded layers rendered on a plane as an encoded preview. */
function previewOn(session: StudioSession, layers: ChromaLayer[], plane: Plane): Promise<string> {
  return previewUrl(rgb8(plane, composeAb(layers, session.config.chromaSize, plane, 'preview')), plane.width, plane.height);
}

/** A gallery preview of decoded layers (of a sample, or of a re-roll computed ahead). */
export function previewOfLayers(session: StudioSession, photo: OpenPhoto, layers: ChromaLayer[]): Promise<string> {
  return previewOn(session, layers, photo.source.preview);
}

export function samplePreview(session: StudioSession, photoId: string, sampleId: string): Promise<string> {
  return previewOfLayers(session, session.photo(photoId), session.layers(photoId, sampleId));
}

/** The loupe: one sample and the photo as it is, both at LOUPE_SIZE (or the photo's size if smaller). */
export async function loupeImages(session: StudioSession, photoId: string, sampleId: string): Promise<{ image: string; original: string; width: number; height: number }> {
  const photo = session.photo(photoId);
  photo.loupe ??= await readLoupe(photo.source.file);
  const { plane, original } = photo.loupe;
  return { image: await previewOn(session, session.layers(photoId, sampleId), plane), original, width: plane.width, height: plane.height };
}

/** The photo's L and the photo itself at loupe size, read once per photo. */
async function readLoupe(file: string): Promise<{ plane: Plane; original: string }> {
  const plane = await readLightness(file, LOUPE_SIZE);
  const jpeg = await sharp(file).rotate().resize({ width: LOUPE_SIZE, height: LOUPE_SIZE, fit: 'inside', withoutEnlargement: true })
    .toColourspace('srgb').removeAlpha().jpeg({ quality: 85 }).toBuffer();
  return { plane, original: `data:image/jpeg;base64,${jpeg.toString('base64')}` };
}

/** The photo as it is (colour or gray) and as its L alone, at preview size. */
export async function photoPreviews(photo: OpenPhoto): Promise<{ original: string; lightness: string }> {
  const { preview, previewRgb } = photo.source;
  const gray = labPlanesToCodes(preview.lightness, new Float32Array(preview.lightness.length * 2), new Uint8Array(previewRgb.length));
  return { original: await previewUrl(previewRgb, preview.width, preview.height), lightness: await previewUrl(gray, preview.width, preview.height) };
}

/** Ambiguity map at preview size as a heat map, and the largest spread in CIELAB units. */
export async function ambiguityPreview(session: StudioSession, photoId: string): Promise<{ image: string; maxSpread: number; meanSpread: number }> {
  const photo = session.photo(photoId);
  const spread = session.ambiguity(photoId);
  const { preview } = photo.source;
  const size = session.config.chromaSize;
  const pairs = new Float32Array(spread.length * 2);
  spread.forEach((v, i) => { pairs[i * 2] = v / AMBIGUITY_FULL_SCALE; });
  const upsampled = upsample(pairs, size, preview, 'preview');
  const values = new Float32Array(preview.width * preview.height);
  for (let p = 0; p < values.length; p++) values[p] = upsampled[p * 2];
  return {
    image: await previewUrl(heatmap(values), preview.width, preview.height),
    maxSpread: Math.max(...spread),
    meanSpread: spread.reduce((s, v) => s + v, 0) / spread.length,
  };
}

export interface ExportOptions {
  format?: OutputFormat;
  quality?: number;
  /** Model name for the provenance note. */
  modelName?: string;
}

export function provenanceNote(sample: Sample, modelName = 'default'): string {
  const how = sample.kind === 'transfer'
    ? `colour transfer from ${path.basename(sample.reference!.file)}`
    : `sample seed ${sample.seed}, temperature ${sample.temperature}`;
  const extra = [sample.saturation !== 1 ? `saturation ${sample.saturation}` : '', sample.regions.length ? `${sample.regions.length} region re-roll(s)` : ''].filter(Boolean);
  return `Colorized by Polychrome ${version} (model ${modelName}; ${[how, ...extra].join('; ')})`;
}

/**
 * Writes the sample at the photo's full size: ab upsampled guided by the full-resolution L and
 * recombined with that L, so the photo's own detail and tones are untouched. Returns the path
 * written (a numbered name if `target` exists).
 */
export async function exportSample(session: StudioSession, photoId: string, sampleId: string, target: string, options: ExportOptions = {}): Promise<string> {
  const photo = session.photo(photoId);
  const sample = session.sample(photoId, sampleId);
  const format = options.format ?? formatForPath(target);
  if (!format) throw new Error(`cannot tell the output format of ${target}: use .jpg, .png, .tif or .webp`);
  const full = await readLightness(photo.source.file);
  const ab = composeAb(session.layers(photoId, sampleId), session.config.chromaSize, full);
  const deep = photo.source.sixteenBit && (format === 'png' || format === 'tiff');
  const codes = labPlanesToCodes(full.lightness, ab, deep ? new Uint16Array(full.width * full.height * 3) : new Uint8Array(full.width * full.height * 3));
  const encoded = await encodeImage(codes, full.width, full.height, {
    format, quality: options.quality, original: photo.source.file, note: provenanceNote(sample, options.modelName),
  });
  try {
    await fs.mkdir(path.dirname(target), { recursive: true });
    return await writeNewFileAtomic(target, encoded);
  } catch (error) {
    throw new Error(`cannot write ${target}: ${(error as Error).message}`);
  }
}
