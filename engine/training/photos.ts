// Training photos in memory: every photo of a folder decoded once to 8-bit sRGB at a bounded size,
// and random resized crops of them turned into normalised (L, ab) pairs for the model.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { rgbToLab } from '../color/lab.ts';
import type { ModelConfig } from '../model/config.ts';

export const IMAGE_EXTENSIONS = /\.(jpe?g|png|webp|tiff?|gif|avif|heic|heif)$/i;

export interface Photo {
  name: string;
  width: number;
  height: number;
  /** Interleaved 8-bit sRGB. */
  rgb: Buffer;
}

/** Every image file below dir, sorted, skipping hidden files and folders. */
export async function listImages(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(entries.filter((e) => !e.name.startsWith('.')).map(async (entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return listImages(full);
    return IMAGE_EXTENSIONS.test(entry.name) ? [full] : [];
  }));
  return nested.flat().sort();
}

/** Decodes the photos of a folder; files that cannot be read are reported and skipped. */
export async function loadPhotos(files: string[], longSide: number, onError: (message: string) => void = () => {}): Promise<Photo[]> {
  const photos: Photo[] = [];
  for (const file of files) {
    try {
      const { data, info } = await sharp(file).rotate().toColourspace('srgb').removeAlpha()
        .resize({ width: longSide, height: longSide, fit: 'inside', withoutEnlargement: true })
        .raw().toBuffer({ resolveWithObject: true });
      photos.push({ name: file, width: info.width, height: info.height, rgb: data });
    } catch (error) {
      onError(`skipped ${file}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  return photos;
}

/** mulberry32: a small seeded PRNG, so crops are the same for the same (seed, step). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Crop { left: number; top: number; width: number; height: number; flip: boolean }

/** Random resized crop (area 20-100 %, aspect 3:4 to 4:3) and a horizontal flip half of the time. */
export function randomCrop(photo: Photo, random: () => number, minArea = 0.2): Crop {
  const area = photo.width * photo.height * (minArea + (1 - minArea) * random());
  const aspect = Math.exp(Math.log(3 / 4) + Math.log(16 / 9) * random());
  const width = Math.max(8, Math.min(photo.width, Math.round(Math.sqrt(area * aspect))));
  const height = Math.max(8, Math.min(photo.height, Math.round(Math.sqrt(area / aspect))));
  return {
    left: Math.floor(random() * (photo.width - width + 1)),
    top: Math.floor(random() * (photo.height - height + 1)),
    width, height, flip: random() < 0.5,
  };
}

/** The largest centred square, the evaluation crop. */
export function centreCrop(photo: Photo): Crop {
  const side = Math.min(photo.width, photo.height);
  return { left: Math.floor((photo.width - side) / 2), top: Math.floor((photo.height - side) / 2), width: side, height: side, flip: false };
}

export interface Example {
  /** Normalised L, conditionSize^2 values. */
  lightness: Float32Array;
  /** Normalised ab, chromaSize^2 x 2 values (interleaved). */
  chroma: Float32Array;
}

/** Crops, resizes to the condition size, converts to Lab and area-averages ab to the chroma size. */
export async function makeExample(photo: Photo, crop: Crop, config: ModelConfig): Promise<Example> {
  const size = config.conditionSize;
  let pipeline = sharp(photo.rgb, { raw: { width: photo.width, height: photo.height, channels: 3 } })
    .extract({ left: crop.left, top: crop.top, width: crop.width, height: crop.height })
    .resize(size, size, { fit: 'fill', kernel: 'lanczos3' });
  if (crop.flip) pipeline = pipeline.flop();
  const rgb8 = await pipeline.raw().toBuffer();
  const rgb = new Float32Array(rgb8.length);
  for (let i = 0; i < rgb8.length; i++) rgb[i] = rgb8[i] / 255;
  return labExample(rgbToLab(rgb), config);
}

/** Normalised (L, ab) from interleaved Lab at the condition size. */
export function labExample(lab: Float32Array, config: ModelConfig): Example {
  const size = config.conditionSize;
  const chromaSize = config.chromaSize;
  const factor = size / chromaSize;
  const { L, a, b } = config.normalisation;
  const lightness = new Float32Array(size * size);
  for (let p = 0; p < size * size; p++) lightness[p] = (lab[p * 3] - L.mean) / L.scale;
  const chroma = new Float32Array(chromaSize * chromaSize * 2);
  const weight = 1 / (factor * factor);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const p = y * size + x;
      const q = (Math.floor(y / factor) * chromaSize + Math.floor(x / factor)) * 2;
      chroma[q] += lab[p * 3 + 1] * weight;
      chroma[q + 1] += lab[p * 3 + 2] * weight;
    }
  }
  for (let q = 0; q < chroma.length; q += 2) {
    chroma[q] = (chroma[q] - a.mean) / a.scale;
    chroma[q + 1] = (chroma[q + 1] - b.mean) / b.scale;
  }
  return { lightness, chroma };
}
