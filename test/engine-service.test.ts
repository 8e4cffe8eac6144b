// The engine behind the contract: requests validated, paths checked, every operation by id, and
// jobs (batch with pause/resume/cancel, fine-tune in its own thread) reporting events.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent, JobView, SampleView } from '../engine/api/contract.ts';
import { PathPolicy } from '../engine/api/paths.ts';
import { EngineService } from '../engine/api/service.ts';
import { initBackend } from '../engine/backend.ts';
import { ColorizationModel } from '../engine/model/colorization-model.ts';
import { saveModel } from '../engine/model/model-folder.ts';
import { SMALL } from './configs.ts';
import { randomiseWeights } from './helpers.ts';

let dir: string;
let service: EngineService;
const events: EngineEvent[] = [];

async function photo(file: string, hue: number, gray = false): Promise<void> {
  const rgb = Buffer.alloc(48 * 40 * 3);
  for (let p = 0; p < 48 * 40; p++) {
    rgb[p * 3] = (hue + p) % 256;
    rgb[p * 3 + 1] = (p * 3) % 200;
    rgb[p * 3 + 2] = 255 - ((hue + p * 2) % 256);
  }
  const image = sharp(rgb, { raw: { width: 48, height: 40, channels: 3 } });
  await (gray ? image.toColourspace('b-w') : image).png().toFile(file);
}

function waitForJob(jobId: string, states: JobView['state'][]): Promise<JobView> {
  return new Promise((resolve) => {
    const check = setInterval(() => {
      const last = events.filter((e): e is Extract<EngineEvent, { type: 'job' }> => e.type === 'job' && e.job.id === jobId).at(-1);
      if (last && states.includes(last.job.state)) {
        clearInterval(check);
        resolve(last.job);
      }
    }, 20);
  });
}

beforeAll(async () => {
  await initBackend();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'polychrome-service-'));
  const model = new ColorizationModel(SMALL);
  randomiseWeights(model.store, 0.02, 3);
  await saveModel(model, path.join(dir, 'models', 'default'));
  model.dispose();
  await fs.mkdir(path.join(dir, 'photos', 'sub'), { recursive: true });
  await photo(path.join(dir, 'photos', 'gray.png'), 0, true);
  await photo(path.join(dir, 'photos', 'colour.png'), 90);
  await photo(path.join(dir, 'photos', 'sub', 'more.png'), 30);
  await photo(path.join(dir, 'photos', 'sub', 'again.png'), 150);
  await fs.writeFile(path.join(dir, 'photos', 'broken.jpg'), 'not a photo');
  await photo(path.join(dir, 'outside.png'), 10);
  service = await EngineService.create({
    builtInModels: path.join(dir, 'models'), userModels: path.join(dir, 'user-models'),
    paths: new PathPolicy([path.join(dir, 'photos'), path.join(dir, 'out')]), onEvent: (event) => events.push(event), finetuneBatch: 2,
  });
});
afterAll(async () => {
  service.dispose();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('engine service', () => {
  it('refuses unknown operations, malformed arguments and paths outside the chosen folders', async () => {
    await expect(service.handle('formatDisk', {})).rejects.toThrow(/formatDisk: unknown operation/);
    await expect(service.handle('sample', { photoId: 'p1', count: 0, temperature: 1, seed: 1 })).rejects.toThrow(/sample: count/);
    await expect(service.handle('sample', { photoId: 'p1', count: 2, temperature: 1, seed: 1, extra: true })).rejects.toThrow(/sample: .*extra/i);
    await expect(service.handle('openPhoto', { file: 42 })).rejects.toThrow(/openPhoto: file/);
    await expect(service.handle('openPhoto', { file: path.join(dir, 'outside.png') })).rejects.toThrow(/outside\.png is outside the folders you chose/);
    await expect(service.handle('openPhoto', { file: path.join(dir, 'photos', '..', 'outside.png') })).rejects.toThrow(/outside the folders you chose/);
    await expect(service.handle('openPhoto', { file: path.join(dir, 'photos', 'broken.jpg') })).rejects.toThrow(/broken\.jpg: it is not an image/);
  });

  it('runs the studio operations by id', async () => {
    const info = await service.handle('info', {}) as { model: string; backend: string; models: { name: string }[] };
    expect(info.model).toBe('default');
    expect(info.backend).toMatch(/wasm|cpu|tensorflow/i);
    const listed = await service.handle('listPhotos', { paths: [path.join(dir, 'photos'), path.join(dir, 'photos', 'gray.png')] }) as { files: string[] };
    expect(listed.files.map((f) => path.relative(dir, f))).toEqual(['photos/broken.jpg', 'photos/colour.png', 'photos/gray.png', 'photos/sub/again.png', 'photos/sub/more.png', 'photos/gray.png']);
    await expect(service.handle('listPhotos', { paths: [dir] })).rejects.toThrow(/outside the folders/);
    const gray = await service.handle('openPhoto', { file: path.join(dir, 'photos', 'gray.png') }) as { id: string; colour: boolean; original: string };
    expect(gray.colour).toBe(false);
    expect(gray.original).toMatch(/^data:image\/jpeg;base64,/);
    let samples = await service.handle('sample', { photoId: gray.id, count: 4, temperature: 1, seed: 3 }) as SampleView[];
    expect(samples).toHaveLength(4);
    expect(samples.filter((s) => s.mostProbable)).toHaveLength(1);
    const best = samples.find((s) => s.mostProbable)!;
    expect(best.bitsPerDim).toBe(Math.min(...samples.map((s) => s.bitsPerDim)));
    samples = await service.handle('reroll', { photoId: gray.id, sampleId: samples[1].id, seed: 77 }) as SampleView[];
    expect(samples[1].seed).toBe(77);
    // Without a seed, the re-roll computed ahead while idle is used: a new seed, a new picture.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const before = samples[1];
    samples = await service.handle('reroll', { photoId: gray.id, sampleId: before.id }) as SampleView[];
    expect(samples[1].seed).not.toBe(before.seed);
    expect(samples[1].preview).not.toBe(before.preview);
    samples = await service.handle('setSaturation', { photoId: gray.id, sampleId: samples[0].id, factor: 1.5 }) as SampleView[];
    expect(samples[0].saturation).toBe(1.5);
    samples = await service.handle('rerollRegion', { photoId: gray.id, sampleId: samples[2].id, strokes: [{ points: [[0.2, 0.2], [0.4, 0.3]], radius: 0.1 }] }) as SampleView[];
    expect(samples[2].regions).toBe(1);
    const loupe = await service.handle('loupe', { photoId: gray.id, sampleId: samples[0].id }) as { image: string; original: string; width: number };
    expect(loupe.width).toBe(48); // never enlarged past the photo
    expect(loupe.original).toMatch(/^data:image\/jpeg;base64,/);
    const map = await service.handle('ambiguity', { photoId: gray.id }) as { image: string; maxSpread: number };
    expect(map.maxSpread).toBeGreaterThan(0);
    const reference = await service.handle('openPhoto', { file: path.join(dir, 'photos', 'colour.png') }) as { id: string };
    samples = await service.handle('transfer', { photoId: gray.id, referenceId: reference.id, strength: 0.8 }) as SampleView[];
    expect(samples.at(-1)).toMatchObject({ kind: 'transfer', reference: { name: 'colour.png' } });
    const timeline = await service.handle('timeline', { photoId: gray.id, keyframes: [samples[0].id, samples.at(-1)!.id], frames: 4, mode: 'spherical' }) as { frames: string[] };
    expect(timeline.frames).toHaveLength(4);
    await expect(service.handle('exportSample', { photoId: gray.id, sampleId: samples[0].id, target: path.join(dir, 'exported.png') })).rejects.toThrow(/outside the folders/);
    const exported = await service.handle('exportSample', { photoId: gray.id, sampleId: samples[0].id, target: path.join(dir, 'out', 'gray colour.png') }) as { file: string };
    expect((await sharp(exported.file).metadata()).width).toBe(48);
    await expect(service.handle('reroll', { photoId: gray.id, sampleId: 's999' })).rejects.toThrow(/reroll: photo p\d+ has no sample "s999"/);
  });

  it('a batch job reports progress and errors, pauses, resumes and finishes', async () => {
    const { jobId } = await service.handle('startBatch', {
      input: path.join(dir, 'photos'), output: path.join(dir, 'out', 'batch'), samples: 1, temperature: 1, seed: 1, best: false, resume: false,
    }) as { jobId: string };
    await service.handle('pauseJob', { jobId });
    const paused = await waitForJob(jobId, ['paused']);
    expect(paused.state).toBe('paused');
    await service.handle('resumeJob', { jobId });
    const done = await waitForJob(jobId, ['done']);
    expect(done.total).toBe(5);
    expect(done.outputs).toHaveLength(4);
    expect(done.errors).toHaveLength(1);
    expect(done.errors[0]).toMatch(/broken\.jpg/);
    expect(await fs.readdir(path.join(dir, 'out', 'batch', 'sub'))).toEqual(['again.png', 'more.png']);
    await expect(service.handle('pauseJob', { jobId: 'j999' })).rejects.toThrow(/no job/);
  });

  it('a cancelled batch stops between files', async () => {
    const { jobId } = await service.handle('startBatch', {
      input: path.join(dir, 'photos'), output: path.join(dir, 'out', 'cancelled'), samples: 1, temperature: 1, seed: 1, best: false, resume: false,
    }) as { jobId: string };
    await service.handle('cancelJob', { jobId });
    const job = await waitForJob(jobId, ['cancelled', 'done']);
    expect(job.state).toBe('cancelled');
    expect(job.done).toBeLessThan(5);
  });

  it('fine-tunes in a worker thread, streams the loss and adds the model to the list', async () => {
    const { jobId } = await service.handle('startFinetune', { data: path.join(dir, 'photos'), name: 'my photos', steps: 4 }) as { jobId: string };
    const job = await waitForJob(jobId, ['done', 'failed']);
    expect(job.errors.filter((e) => !/broken\.jpg|gray/.test(e))).toEqual([]);
    expect(job.state).toBe('done');
    const losses = events.filter((e) => e.type === 'loss' && e.jobId === jobId);
    expect(losses.length).toBeGreaterThanOrEqual(4);
    const models = await service.handle('listModels', {}) as { name: string; builtIn: boolean }[];
    expect(models).toContainEqual(expect.objectContaining({ name: 'my photos', builtIn: false }));
    const info = await service.handle('selectModel', { name: 'my photos' }) as { model: string };
    expect(info.model).toBe('my photos');
    await expect(service.handle('startFinetune', { data: path.join(dir, 'photos'), name: 'my photos', steps: 2 })).rejects.toThrow(/already exists/);
  });
});
