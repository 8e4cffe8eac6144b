// `polychrome bench responsiveness`: does the studio stay responsive while a fine-tune runs? The
// engine host runs in a worker thread as under the browser server (Electron runs the same host in
// a utilityProcess), the fine-tune in its own thread; this thread plays the front (Electron's
// main process, the HTTP server): it measures its own event-loop delay and the round trip of
// studio requests (re-roll one sample, with its preview; and `info`), first idle (the peer),
// then during the fine-tune.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import sharp from 'sharp';
import type { EngineEvent, PhotoView } from '../api/contract.ts';
import { EngineClient } from '../host/client.ts';

export interface ResponsivenessOptions {
  modelsDir: string;
  seconds: number;
  log: (line: string) => void;
}

const GOAL_MS = 100;

/** Colourful synthetic photos for the fine-tune, and a larger gray one to work on. */
async function makePhotos(dir: string): Promise<string> {
  await fs.mkdir(path.join(dir, 'own'), { recursive: true });
  for (let i = 0; i < 12; i++) {
    const width = 320, height = 240;
    const rgb = Buffer.alloc(width * height * 3);
    for (let p = 0; p < width * height; p++) {
      const x = p % width, y = Math.floor(p / width);
      rgb[p * 3] = 128 + 100 * Math.sin((x + i * 20) / 40);
      rgb[p * 3 + 1] = 128 + 100 * Math.cos((y + i * 13) / 30);
      rgb[p * 3 + 2] = (x + y + i * 30) % 256;
    }
    await sharp(rgb, { raw: { width, height, channels: 3 } }).jpeg().toFile(path.join(dir, 'own', `photo-${i}.jpg`));
  }
  const photo = path.join(dir, 'scan.jpg');
  await sharp(path.join(dir, 'own', 'photo-0.jpg')).resize(1600, 1200).toColourspace('b-w').jpeg().toFile(photo);
  return photo;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

interface Window { loopP95: number; loopMax: number; reroll: number[]; cold: number[]; info: number[] }

/** Round trips every 200 ms for `seconds`, with the event-loop delay of this thread. */
async function measure(engine: EngineClient, photo: PhotoView, sampleIds: string[], seconds: number): Promise<Window> {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const reroll: number[] = [], cold: number[] = [], info: number[] = [];
  const end = Date.now() + seconds * 1000;
  // Like a user: a click, the requests the page makes straight after it, then a moment's look.
  for (let i = 0; Date.now() < end; i++) {
    let start = performance.now();
    await engine.call('reroll', { photoId: photo.id, sampleId: sampleIds[i % sampleIds.length] });
    reroll.push(performance.now() - start);
    start = performance.now();
    await engine.call('info', {});
    info.push(performance.now() - start);
    await new Promise((resolve) => setTimeout(resolve, 400));
    if (i % 3 === 2) {
      // A re-roll to a chosen seed cannot be prepared: the full cost of one.
      start = performance.now();
      await engine.call('reroll', { photoId: photo.id, sampleId: sampleIds[(i + 1) % sampleIds.length], seed: 5000 + i });
      cold.push(performance.now() - start);
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
  }
  loop.disable();
  return { loopP95: loop.percentile(95) / 1e6, loopMax: loop.max / 1e6, reroll, cold, info };
}

export async function benchResponsiveness(options: ResponsivenessOptions): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'polychrome-bench-responsive-'));
  const engine = EngineClient.start({ builtInModels: options.modelsDir, userModels: path.join(dir, 'models'), roots: [dir] });
  try {
    const backend = await engine.ready;
    const scan = await makePhotos(dir);
    const photo = await engine.call('openPhoto', { file: scan }) as PhotoView;
    const samples = await engine.call('sample', { photoId: photo.id, count: 6, temperature: 0.8, seed: 1 }) as { id: string }[];
    const ids = samples.map((s) => s.id);
    options.log(`engine backend ${backend}; photo ${photo.width} x ${photo.height}, 6 samples, previews at screen size; ${os.availableParallelism()} cores`);

    const idle = await measure(engine, photo, ids, Math.min(10, options.seconds / 2));
    let steps = 0;
    engine.onEvent((event: EngineEvent) => {
      if (event.type === 'loss' && event.train !== undefined) steps++;
    });
    const { jobId } = await engine.call('startFinetune', { data: path.join(dir, 'own'), name: 'bench', minutes: options.seconds / 60 + 1 }) as { jobId: string };
    await new Promise((resolve) => setTimeout(resolve, 3000)); // let the fine-tune start its steps
    const busy = await measure(engine, photo, ids, options.seconds);
    await engine.call('cancelJob', { jobId });

    const line = (label: string, idleValues: number[], busyValues: number[]) => {
      const idleP95 = percentile(idleValues, 95), busyP95 = percentile(busyValues, 95);
      options.log(`${label}: idle p50 ${percentile(idleValues, 50).toFixed(1)} / p95 ${idleP95.toFixed(1)} ms; during fine-tune p50 ${percentile(busyValues, 50).toFixed(1)} / p95 ${busyP95.toFixed(1)} ms (${(busyP95 / idleP95).toFixed(2)}x idle; goal p95 < ${GOAL_MS} ms: ${busyP95 < GOAL_MS ? 'meets' : 'misses'}) [${busyValues.length} calls]`);
    };
    options.log(`fine-tune steps during the measurement: ${steps}`);
    options.log(`front event-loop delay: idle p95 ${idle.loopP95.toFixed(1)} ms; during fine-tune p95 ${busy.loopP95.toFixed(1)} ms, max ${busy.loopMax.toFixed(1)} ms (goal p95 < ${GOAL_MS} ms: ${busy.loopP95 < GOAL_MS ? 'meets' : 'misses'})`);
    line('re-roll round trip (prepared while the user looks)', idle.reroll, busy.reroll);
    line('re-roll to a chosen seed (new z, decode, preview on the spot)', idle.cold, busy.cold);
    line('info round trip', idle.info, busy.info);
  } finally {
    await engine.stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
}
