// A photo opened in the studio: its size, a screen-size lightness plane for previews, and the
// square lightness (and, for colour photos, chroma) the model reads. Colour photos are treated as
// their L; their own ab is kept at the model's size so they can serve as colour references.
import sharp from 'sharp';
import { lightnessOfCodes } from '../color/planes.ts';
import { MAX_PIXELS, readFailure, toSrgb16 } from '../image/decode.ts';
import type { ModelConfig } from '../model/config.ts';
import { labExample } from '../training/photos.ts';
import { rgbToLab } from '../color/lab.ts';

/** Long side of gallery previews: small enough to re-render a sample well within 100 ms. */
export const PREVIEW_SIZE = 480;
/** Long side of the loupe view (zoom, pan, before/after), rendered for one sample on request. */
export const LOUPE_SIZE = 1600;

export interface Plane {
  width: number;
  height: number;
  /** L in 0..100, one value per pixel. */
  lightness: Float32Array;
}

export interface PhotoSource {
  file: string;
  /** Upright size (EXIF orientation applied). */
  width: number;
  height: number;
  colour: boolean;
  /** 16-bit source: exports to PNG and TIFF stay 16-bit. */
  sixteenBit: boolean;
  preview: Plane;
  /** The upright photo at preview size, 8-bit sRGB: the "before" view. */
  previewRgb: Uint8Array;
  /** Normalised L and ab at the model's sizes (the photo stretched to a square). */
  example: { lightness: Float32Array; chroma: Float32Array };
}

/** Largest chroma (CIELAB units) of a photo that still counts as black and white (toned scans). */
const GRAY_CHROMA = 2;

/** Whether any pixel of the model-size ab has real colour (an RGB file of a gray photo has none). */
function hasColour(chroma: Float32Array, config: ModelConfig): boolean {
  const { a, b } = config.normalisation;
  for (let i = 0; i < chroma.length; i += 2) {
    if (Math.hypot(chroma[i] * a.scale + a.mean, chroma[i + 1] * b.scale + b.mean) > GRAY_CHROMA) return true;
  }
  return false;
}


export async function readPhoto(file: string, config: ModelConfig, previewSize = PREVIEW_SIZE): Promise<PhotoSource> {
  try {
    const meta = await sharp(file, { limitInputPixels: MAX_PIXELS }).metadata();
    if (!meta.width || !meta.height) throw new Error('it has no image dimensions');
    const { data, info } = await sharp(file, { limitInputPixels: MAX_PIXELS })
      .rotate()
      .resize({ width: previewSize, height: previewSize, fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb').removeAlpha()
      .raw().toBuffer({ resolveWithObject: true });
    const previewRgb = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const size = config.conditionSize;
    const square = await sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } })
      .resize(size, size, { fit: 'fill', kernel: 'lanczos3' }).raw().toBuffer();
    const example = labExample(rgbToLab(Float32Array.from(square, (v) => v / 255)), config);
    const upright = (meta.orientation ?? 1) >= 5;
    return {
      file,
      width: upright ? meta.height : meta.width,
      height: upright ? meta.width : meta.height,
      colour: hasColour(example.chroma, config),
      sixteenBit: meta.depth === 'ushort',
      preview: { width: info.width, height: info.height, lightness: lightnessOfCodes(previewRgb, 3) },
      previewRgb,
      example,
    };
  } catch (error) {
    throw readFailure(file, error);
  }
}

/**
 * L of the upright photo (8- or 16-bit precision as stored), at its full size or, with longSide,
 * fitted inside longSide x longSide.
 */
export async function readLightness(file: string, longSide?: number): Promise<Plane> {
  try {
    const meta = await sharp(file, { limitInputPixels: MAX_PIXELS }).metadata();
    const sixteen = meta.depth === 'ushort';
    // A gray photo is read as one channel: a third of the data, and its L is a table look-up.
    const gray = (meta.channels ?? 3) <= 2;
    let pipeline = sharp(file, { limitInputPixels: MAX_PIXELS }).rotate();
    if (longSide) pipeline = pipeline.resize({ width: longSide, height: longSide, fit: 'inside', withoutEnlargement: true });
    pipeline = pipeline.removeAlpha();
    if (gray) pipeline = pipeline.toColourspace(sixteen ? 'grey16' : 'b-w');
    else pipeline = sixteen ? toSrgb16(pipeline, Boolean(meta.icc)) : pipeline.toColourspace('srgb');
    const { data, info } = await pipeline.raw({ depth: sixteen ? 'ushort' : 'uchar' }).toBuffer({ resolveWithObject: true });
    const codes = sixteen ? new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return { width: info.width, height: info.height, lightness: lightnessOfCodes(codes, info.channels) };
  } catch (error) {
    throw readFailure(file, error);
  }
}
