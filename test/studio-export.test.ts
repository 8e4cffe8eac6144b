// Pixels out of the studio: full-resolution exports (size, metadata, provenance, no overwrite),
// previews, the ambiguity map image and timeline files.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../engine/backend.ts';
import { ColorizationModel } from '../engine/model/colorization-model.ts';
import { ambiguityPreview, exportSample, photoPreviews, samplePreview } from '../engine/studio/export.ts';
import { StudioSession } from '../engine/studio/session.ts';
import { exportTimeline } from '../engine/studio/timeline.ts';
import { SMALL } from './configs.ts';
import { randomiseWeights } from './helpers.ts';

let dir: string;
let model: ColorizationModel;
let session: StudioSession;
let photoFile: string;

const pixelsOf = async (dataUrl: string) => sharp(Buffer.from(dataUrl.split(',')[1], 'base64')).metadata();

beforeAll(async () => {
  await initBackend();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'polychrome-export-'));
  photoFile = path.join(dir, 'scan.jpg');
  // Stored 90 x 60 with EXIF orientation 6: upright it is 60 x 90.
  const gray = Buffer.from(Array.from({ length: 90 * 60 }, (_, i) => 40 + ((i % 90) * 2 + Math.floor(i / 90)) % 180));
  await sharp(gray, { raw: { width: 90, height: 60, channels: 1 } }).toColourspace('b-w').jpeg()
    .withExif({ IFD0: { Make: 'ScanCo', Model: 'Flatbed 9' } }).withMetadata({ orientation: 6 }).toFile(photoFile);
  model = new ColorizationModel(SMALL);
  randomiseWeights(model.store, 0.02, 5);
  session = new StudioSession(model);
});
afterAll(async () => {
  session.closeAll();
  model.dispose();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('studio output', () => {
  it('exports at the original upright size, keeps EXIF, adds the provenance note, never overwrites', async () => {
    const photo = await session.open(photoFile);
    const [sample] = session.drawSamples(photo.id, { count: 1, temperature: 1, seed: 2 });
    const target = path.join(dir, 'out', 'scan.jpg');
    await fs.mkdir(path.dirname(target));
    const written = await exportSample(session, photo.id, sample.id, target);
    expect(written).toBe(target);
    const meta = await sharp(written).metadata();
    expect([meta.width, meta.height]).toEqual([60, 90]);
    expect(meta.orientation ?? 1).toBe(1);
    const exif = meta.exif!.toString('latin1');
    expect(exif).toContain('ScanCo');
    expect(exif).toMatch(/Colorized by Polychrome [\d.]+ \(model default; sample seed 2, temperature 1\)/);
    // The colours are not gray.
    const { data } = await sharp(written).raw().toBuffer({ resolveWithObject: true });
    let chroma = 0;
    for (let i = 0; i < data.length; i += 3) chroma += Math.abs(data[i] - data[i + 1]) + Math.abs(data[i + 1] - data[i + 2]);
    expect(chroma / (data.length / 3)).toBeGreaterThan(2);
    // Same target again: a numbered file, the first one untouched.
    const before = await fs.readFile(target);
    const second = await exportSample(session, photo.id, sample.id, target, { format: 'png' });
    expect(second).toBe(path.join(dir, 'out', 'scan (2).jpg'));
    expect((await fs.readFile(target)).equals(before)).toBe(true);
    await expect(exportSample(session, photo.id, sample.id, path.join(dir, 'out', 'scan.bmp'))).rejects.toThrow(/cannot tell the output format of .*scan\.bmp/);
  });

  it('previews: samples, the photo as it is and as L, the ambiguity heat map', async () => {
    const photo = await session.open(photoFile);
    const samples = session.drawSamples(photo.id, { count: 3, temperature: 1, seed: 1 });
    const preview = await pixelsOf(await samplePreview(session, photo.id, samples[0].id));
    expect([preview.width, preview.height]).toEqual([60, 90]);
    const { original, lightness } = await photoPreviews(photo);
    expect((await pixelsOf(original)).width).toBe(60);
    expect((await pixelsOf(lightness)).height).toBe(90);
    const ambiguity = await ambiguityPreview(session, photo.id);
    expect((await pixelsOf(ambiguity.image)).width).toBe(60);
    expect(ambiguity.maxSpread).toBeGreaterThan(ambiguity.meanSpread);
    expect(ambiguity.meanSpread).toBeGreaterThan(0);
  });

  it('timeline export: numbered PNG frames in a new folder and an animation with one page per frame', async () => {
    const photo = await session.open(photoFile);
    const [a, b] = session.drawSamples(photo.id, { count: 2, temperature: 1, seed: 8 });
    const out = path.join(dir, 'timeline');
    const first = await exportTimeline(session, photo.id, { keyframes: [a.id, b.id], frames: 5, mode: 'linear', outputDir: out, animation: 'gif', size: 0 });
    expect(first.frames.map((f) => path.relative(out, f))).toEqual([1, 2, 3, 4, 5].map((n) => path.join('scan timeline', `frame-000${n}.png`)));
    const gif = await sharp(first.animation, { animated: true }).metadata();
    expect(gif.pages).toBe(5);
    expect(gif.pageHeight).toBe(90);
    // The first and last frames are the keyframes themselves.
    const full = path.join(dir, 'a.png');
    await exportSample(session, photo.id, a.id, full);
    const frame = await sharp(first.frames[0]).raw().toBuffer();
    const keyframe = await sharp(full).raw().toBuffer();
    expect(frame.equals(keyframe)).toBe(true);
    const second = await exportTimeline(session, photo.id, { keyframes: [a.id, b.id], frames: 3, mode: 'spherical', outputDir: out, animation: 'webp' });
    expect(path.basename(path.dirname(second.frames[0]))).toBe('scan timeline (2)');
    expect((await sharp(second.animation, { animated: true }).metadata()).pages).toBe(3);
  });
});
