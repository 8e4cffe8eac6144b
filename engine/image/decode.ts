// Image input through sharp: EXIF orientation applied, embedded ICC profile converted to sRGB,
// 8- or 16-bit, grayscale or colour, alpha kept aside. Every failure names the file.
import sharp, { type Sharp } from 'sharp';

export interface DecodedImage {
  width: number;
  height: number;
  /** Interleaved sRGB in [0, 1], 3 values per pixel (grayscale is repeated). */
  rgb: Float32Array;
  /** Alpha in [0, 1], one value per pixel, or null when the image has none. */
  alpha: Float32Array | null;
  /** The file holds one colour channel (plus alpha): its L is all there is. */
  grayscale: boolean;
  bitDepth: 8 | 16;
  format: string;
}

/** Largest image accepted, in pixels (a guard against decompression bombs). */
export const MAX_PIXELS = 100_000_000;

export async function decodeImage(input: string | Buffer, name = typeof input === 'string' ? input : 'image'): Promise<DecodedImage> {
  try {
    const meta = await sharp(input, { limitInputPixels: MAX_PIXELS }).metadata();
    if (!meta.width || !meta.height) throw new Error('it has no image dimensions');
    const sixteen = meta.depth === 'ushort';
    const upright = sharp(input, { limitInputPixels: MAX_PIXELS }).rotate();
    const { data, info } = await (sixteen ? toSrgb16(upright, Boolean(meta.icc)) : upright.toColourspace('srgb'))
      .raw({ depth: sixteen ? 'ushort' : 'uchar' })
      .toBuffer({ resolveWithObject: true });
    const pixels = info.width * info.height;
    const samples = sixteen ? new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2) : data;
    const scale = sixteen ? 1 / 65535 : 1 / 255;
    const channels = info.channels;
    const rgb = new Float32Array(pixels * 3);
    const alpha = channels === 4 ? new Float32Array(pixels) : null;
    for (let p = 0; p < pixels; p++) {
      const at = p * channels;
      rgb[p * 3] = samples[at] * scale;
      rgb[p * 3 + 1] = samples[at + 1] * scale;
      rgb[p * 3 + 2] = samples[at + 2] * scale;
      if (alpha) alpha[p] = samples[at + 3] * scale;
    }
    const grayscale = (meta.channels ?? 3) <= 2 || meta.space === 'b-w' || meta.space === 'grey16';
    return { width: info.width, height: info.height, rgb, alpha, grayscale, bitDepth: sixteen ? 16 : 8, format: meta.format ?? 'unknown' };
  } catch (error) {
    throw readFailure(name, error);
  }
}

/**
 * 16-bit sRGB output of a pipeline. With an embedded profile, sharp converts 16-bit output to
 * Display P3 unless asked for sRGB, so the sRGB profile is requested (not attached) there.
 */
export function toSrgb16(pipeline: Sharp, hasProfile: boolean): Sharp {
  const out = pipeline.toColourspace('rgb16');
  return hasProfile ? out.withIccProfile('srgb', { attach: false }) : out;
}

/** The error for a file sharp could not read: its name and why, in a reader's words. */
export function readFailure(name: string, error: unknown): Error {
  return new Error(`cannot read ${name}: ${describeImageFailure(error as Error)}`);
}

/** A reader's words for why sharp could not decode a file. */
export function describeImageFailure(error: Error): string {
  const message = error.message.split('\n')[0];
  if (/unsupported image format/i.test(message)) return 'it is not an image in a supported format (JPEG, PNG, WebP, TIFF, GIF, AVIF, HEIF)';
  if (/pixel limit/i.test(message)) return `it has more than ${MAX_PIXELS.toLocaleString('en')} pixels`;
  if (/premature end|truncated|unexpected end/i.test(message)) return 'the file is truncated';
  if (/libpng read error|corrupt jpeg data|corrupt header|bad huffman|invalid (png|jpeg)/i.test(message)) return 'the file is damaged (its image data cannot be decoded)';
  if (/ENOENT|input file is missing/i.test(message)) return 'the file does not exist';
  if (/EISDIR|is a directory/i.test(message)) return 'it is a folder, not a file';
  if (/EACCES|permission denied/i.test(message)) return 'permission denied';
  return message;
}
