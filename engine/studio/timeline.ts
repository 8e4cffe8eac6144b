// Interpolation timelines: the frames decoded from latents along a keyframe path, as previews for
// scrubbing and as files: a numbered PNG sequence in a new folder plus an animated WebP or GIF.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { writeNewFileAtomic } from '../io/atomic.ts';
import type { InterpolationMode, Latent } from './latents.ts';
import { type Plane, readLightness } from './photo.ts';
import { previewUrl, type Quality, rgb8, upsample } from './render.ts';
import type { StudioSession } from './session.ts';

export interface TimelineRequest {
  /** Sample ids of the keyframes, in order (samples, transfers from references). */
  keyframes: string[];
  frames: number;
  mode: InterpolationMode;
}

/** RGB of every frame at the plane's size. */
export function renderFrames(session: StudioSession, photoId: string, request: TimelineRequest, plane: Plane, quality: Quality, onFrame?: (done: number, total: number) => void): Uint8Array[] {
  const photo = session.photo(photoId);
  const latents = session.interpolate(photoId, request.keyframes, request.frames, request.mode);
  const size = session.config.chromaSize;
  const frames: Uint8Array[] = [];
  // Decoded a few at a time: enough to batch the network, little memory.
  for (let start = 0; start < latents.length; start += 8) {
    const { ab } = session.decodeLatents(photo, latents.slice(start, start + 8));
    for (const low of ab) {
      frames.push(rgb8(plane, upsample(low, size, plane, quality)));
      onFrame?.(frames.length, latents.length);
    }
  }
  return frames;
}

/** Frame previews for scrubbing in the studio. */
export async function timelinePreviews(session: StudioSession, photoId: string, request: TimelineRequest): Promise<string[]> {
  const plane = session.photo(photoId).source.preview;
  const frames = renderFrames(session, photoId, request, plane, 'preview');
  return Promise.all(frames.map((rgb) => previewUrl(rgb, plane.width, plane.height)));
}

export interface TimelineExport extends TimelineRequest {
  outputDir: string;
  /** Long side of the frames in pixels (default 1024; 0: the photo's full size). */
  size?: number;
  animation: 'webp' | 'gif';
  /** Frames per second of the animation. */
  fps?: number;
}

/**
 * Writes `<name> timeline/frame-0001.png ...` (a new folder, numbered if the name is taken) and
 * `<name>.webp` or `.gif` beside it. Returns the paths written.
 */
export async function exportTimeline(session: StudioSession, photoId: string, request: TimelineExport, onFrame?: (done: number, total: number) => void): Promise<{ frames: string[]; animation: string }> {
  const photo = session.photo(photoId);
  const plane = await readLightness(photo.source.file, request.size === 0 ? undefined : request.size ?? 1024);
  const rgbFrames = renderFrames(session, photoId, request, plane, 'full', onFrame);
  const stem = path.parse(photo.source.file).name;
  await fs.mkdir(request.outputDir, { recursive: true });
  const folder = await newFolder(path.join(request.outputDir, `${stem} timeline`));
  const digits = Math.max(4, String(rgbFrames.length).length);
  const frames: string[] = [];
  for (const [i, rgb] of rgbFrames.entries()) {
    const png = await sharp(rgb, { raw: { width: plane.width, height: plane.height, channels: 3 } }).png().toBuffer();
    frames.push(await writeNewFileAtomic(path.join(folder, `frame-${String(i + 1).padStart(digits, '0')}.png`), png));
  }
  const strip = Buffer.concat(rgbFrames);
  const delay = Math.round(1000 / (request.fps ?? 12));
  const animated = sharp(strip, { raw: { width: plane.width, height: plane.height * rgbFrames.length, channels: 3, pageHeight: plane.height } });
  const encoded = request.animation === 'gif'
    ? await animated.gif({ loop: 0, delay: rgbFrames.map(() => delay) }).toBuffer()
    : await animated.webp({ loop: 0, delay: rgbFrames.map(() => delay), quality: 90 }).toBuffer();
  const animation = await writeNewFileAtomic(path.join(request.outputDir, `${stem}.${request.animation}`), encoded);
  return { frames, animation };
}

/** Creates a folder that did not exist before: `name`, else `name (2)`, ... */
async function newFolder(base: string): Promise<string> {
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? base : `${base} (${n})`;
    try {
      await fs.mkdir(candidate);
      return candidate;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}
