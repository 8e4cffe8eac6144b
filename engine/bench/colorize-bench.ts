// `polychrome bench colorize`: what a photographer waits for on a 12-megapixel photo: 8 preview
// samples (open, condition, sample, upsample and encode the previews), one full-resolution export
// (full-size L, joint bilateral upsampling, Lab -> sRGB, JPEG with metadata), and peak memory.
// The peer, run in the same process, is sharp alone decoding and re-encoding the same photo (a
// floor no colorizer can go below).
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { loadModel } from '../model/model-folder.ts';
import { exportSample, samplePreview } from '../studio/export.ts';
import { StudioSession } from '../studio/session.ts';
import { medianMs } from './timing.ts';

export interface ColorizeBenchOptions {
  runs: number;
  modelDir: string;
  /** Photo to measure; by default a 4000 x 3000 JPEG made from a shipped sample or a gradient. */
  photo?: string;
  log: (line: string) => void;
}

const GOALS = { previewsS: 3, exportS: 2, peakRssGB: 1.5 };

/** A 12-megapixel grayscale JPEG with some structure (a smooth pattern plus noise). */
async function makeTwelveMegapixels(file: string): Promise<void> {
  const width = 4000, height = 3000;
  const gray = Buffer.alloc(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = 128 + 60 * Math.sin(x / 170) * Math.cos(y / 230) + 30 * Math.sin((x + y) / 37) + ((x * 7919 + y * 104729) % 23) - 11;
      gray[y * width + x] = Math.max(0, Math.min(255, Math.round(v)));
    }
  }
  await sharp(gray, { raw: { width, height, channels: 1 } }).toColourspace('b-w').jpeg({ quality: 92 }).withExif({ IFD0: { Make: 'Bench', Model: '12MP' } }).toFile(file);
}

export async function benchColorize(options: ColorizeBenchOptions): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'polychrome-bench-colorize-'));
  try {
    const photo = options.photo ?? path.join(dir, 'twelve-megapixels.jpg');
    if (!options.photo) await makeTwelveMegapixels(photo);
    const meta = await sharp(photo).metadata();
    options.log(`photo: ${options.photo ?? 'synthetic'} ${meta.width} x ${meta.height} (${((meta.width! * meta.height!) / 1e6).toFixed(1)} MP), ${os.availableParallelism()} cores`);
    const model = await loadModel(options.modelDir);
    const session = new StudioSession(model);

    const previews = await medianMs(options.runs, async () => {
      const opened = await session.open(photo);
      const samples = session.drawSamples(opened.id, { count: 8, temperature: 0.8, seed: 1 });
      await Promise.all(samples.map((s) => samplePreview(session, opened.id, s.id)));
      session.close(opened.id);
    });

    const opened = await session.open(photo);
    const [sample] = session.drawSamples(opened.id, { count: 1, temperature: 0.8, seed: 1 });
    let n = 0;
    const exported = await medianMs(options.runs, async () => {
      await exportSample(session, opened.id, sample.id, path.join(dir, `export-${n++}.jpg`));
    });
    const peer = await medianMs(options.runs, async () => {
      await sharp(photo).rotate().jpeg({ quality: 92 }).keepExif().toFile(path.join(dir, `peer-${n++}.jpg`));
    });
    const peakGB = (process.resourceUsage().maxRSS * 1024) / 1024 ** 3;
    session.closeAll();
    model.dispose();

    const verdict = (value: number, goal: number) => (value <= goal ? 'meets' : 'misses');
    options.log(`8 preview samples (${samples(previews.runs)}): ${(previews.ms / 1000).toFixed(2)} s  (goal <= ${GOALS.previewsS} s: ${verdict(previews.ms / 1000, GOALS.previewsS)})`);
    options.log(`full-resolution export (${samples(exported.runs)}): ${(exported.ms / 1000).toFixed(2)} s  (goal <= ${GOALS.exportS} s: ${verdict(exported.ms / 1000, GOALS.exportS)})`);
    options.log(`peer, sharp decode + JPEG re-encode of the same photo: ${(peer.ms / 1000).toFixed(2)} s  -> export / peer = ${(exported.ms / peer.ms).toFixed(2)}x`);
    options.log(`peak RSS: ${peakGB.toFixed(2)} GB  (goal <= ${GOALS.peakRssGB} GB: ${verdict(peakGB, GOALS.peakRssGB)})`);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

function samples(runs: number[]): string {
  return `median of ${runs.length}: ${runs.join(', ')} ms`;
}
