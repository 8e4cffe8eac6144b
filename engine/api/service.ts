// The engine behind the contract: one session of open photos and samples, the models, and jobs
// (batches in this thread between files, fine-tunes in their own thread). Electron's engine host
// and the browser server both call `handle` with requests exactly as they arrived.
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { currentBackend } from '../backend.ts';
import { folderBatch, listInputs } from '../jobs/batch.ts';
import { loadModel } from '../model/model-folder.ts';
import { ambiguityPreview, exportSample, loupeImages, photoPreviews, previewOfLayers, samplePreview } from '../studio/export.ts';
import type { OpenPhoto, PreparedReroll } from '../studio/session.ts';
import { StudioSession } from '../studio/session.ts';
import { exportTimeline, timelinePreviews } from '../studio/timeline.ts';
import { version } from '../version.ts';
import { type EngineEvent, type EngineInfo, type JobView, type ModelView, type Operation, parseRequest, type Request, RequestError, type Results, type SampleView } from './contract.ts';
import type { FinetuneWork } from './finetune-worker-main.ts';
import { PathPolicy } from './paths.ts';

export interface ServiceOptions {
  /** Shipped models: <dir>/default and <dir>/baselines/<name>. */
  builtInModels: string;
  /** Where fine-tuned models are saved, one folder per name. */
  userModels: string;
  paths: PathPolicy;
  onEvent: (event: EngineEvent) => void;
  /** Images per fine-tuning step (smaller keeps steps short on slow machines). */
  finetuneBatch?: number;
}

interface Job {
  view: JobView;
  pause?: () => void;
  resume?: () => void;
  cancel: () => void;
}

/** Quiet time after the last request before a re-roll is computed ahead. */
const PREPARE_AFTER_IDLE_MS = 120;

type Handlers = { [O in Operation]: (request: Request<O>) => Promise<Results[O]> };

export class EngineService {
  private session!: StudioSession;
  private modelName = 'default';
  private readonly jobs = new Map<string, Job>();
  /** Previews by decoded state: a sample is rendered again only when it changed. */
  private readonly previews = new WeakMap<object, string>();
  /** The next re-roll of the photo last worked on, computed while the studio is idle. */
  private prepared: PreparedReroll | null = null;
  private preparing: ReturnType<typeof setTimeout> | null = null;
  private nextPreparation: { photoId: string; temperature: number; saturation: number } | null = null;
  private nextJob = 1;

  private constructor(private readonly options: ServiceOptions) {}

  static async create(options: ServiceOptions, modelName = 'default'): Promise<EngineService> {
    const service = new EngineService(options);
    await service.useModel(modelName);
    return service;
  }

  /** Validates and runs one request; every refusal names the operation and the problem. */
  async handle(operation: string, args: unknown): Promise<unknown> {
    // Work computed ahead waits while requests come in: it is scheduled again after them.
    this.postponePreparation();
    const parsed = parseRequest(operation, args);
    try {
      return await (this.handlers[parsed.operation] as (request: unknown) => Promise<unknown>)(parsed.request);
    } catch (error) {
      if (error instanceof RequestError) throw error;
      throw new RequestError(operation, (error as Error).message);
    }
  }

  dispose(): void {
    if (this.preparing) clearTimeout(this.preparing);
    for (const job of this.jobs.values()) job.cancel();
    this.session.closeAll();
    this.session.model.dispose();
  }

  async models(): Promise<ModelView[]> {
    const views: ModelView[] = [];
    const add = async (name: string, dir: string, builtIn: boolean) => {
      try {
        const text = await fs.readFile(path.join(dir, 'model.json'), 'utf8');
        const manifest = JSON.parse(text) as { config?: { kind?: string }; weights?: { bytes?: number } };
        if (manifest.config?.kind !== 'cinn') return;
        views.push({ name, dir, builtIn, parameters: Math.round((manifest.weights?.bytes ?? 0) / 4) });
      } catch {
        // Not a model folder: not listed.
      }
    };
    await add('default', path.join(this.options.builtInModels, 'default'), true);
    const baselines = path.join(this.options.builtInModels, 'baselines');
    for (const name of existsSync(baselines) ? (await fs.readdir(baselines)).sort() : []) await add(name, path.join(baselines, name), true);
    for (const name of existsSync(this.options.userModels) ? (await fs.readdir(this.options.userModels)).sort() : []) await add(name, path.join(this.options.userModels, name), false);
    return views;
  }

  private async modelDir(name: string): Promise<string> {
    const found = (await this.models()).find((m) => m.name === name);
    if (!found) throw new Error(`no model named "${name}"`);
    return found.dir;
  }

  private async useModel(name: string): Promise<void> {
    const model = await loadModel(await this.modelDir(name));
    if (this.session) {
      this.session.closeAll();
      this.session.model.dispose();
    }
    this.session = new StudioSession(model);
    this.modelName = name;
    this.prepared = null;
  }

  private async info(): Promise<EngineInfo> {
    return { version, backend: currentBackend()?.label ?? 'not started', model: this.modelName, models: await this.models() };
  }

  private async photoView(photo: OpenPhoto): Promise<Results['openPhoto']> {
    const { original, lightness } = await photoPreviews(photo);
    const { file, width, height, colour } = photo.source;
    return { id: photo.id, file, name: path.basename(file), width, height, colour, original, lightness };
  }

  /** Every sample of the photo, the most probable marked. */
  private async sampleViews(photoId: string): Promise<SampleView[]> {
    const photo = this.session.photo(photoId);
    const best = this.session.ranked(photoId)[0];
    return Promise.all(photo.samples.map(async (sample) => ({
      id: sample.id, kind: sample.kind, seed: sample.seed, temperature: sample.temperature, saturation: sample.saturation,
      regions: sample.regions.length, bitsPerDim: sample.decoded!.bitsPerDim, mostProbable: sample === best,
      reference: sample.reference ? { photoId: sample.reference.photoId, name: path.basename(sample.reference.file) } : undefined,
      preview: await this.previewOf(photoId, sample.id),
    })));
  }

  private async previewOf(photoId: string, sampleId: string): Promise<string> {
    const decoded = this.session.sample(photoId, sampleId).decoded!;
    let preview = this.previews.get(decoded);
    if (!preview) {
      preview = await samplePreview(this.session, photoId, sampleId);
      this.previews.set(decoded, preview);
    }
    return preview;
  }

  /**
   * Once the studio has been idle a moment after a re-roll or new samples, computes the photo's
   * next re-roll (z, decode, preview), so the user's next click on Re-roll is answered at once.
   * Requests that follow an action straight away (previews, the loupe) run first; one arriving
   * while the decode runs waits for it (about 80 ms with the default model on one wasm thread).
   */
  private prepareNextReroll(photoId: string, temperature: number, saturation: number): void {
    this.nextPreparation = { photoId, temperature, saturation };
    this.postponePreparation();
  }

  private postponePreparation(): void {
    if (this.preparing) clearTimeout(this.preparing);
    const next = this.nextPreparation;
    if (!next) return;
    const session = this.session;
    this.preparing = setTimeout(() => {
      this.preparing = null;
      this.nextPreparation = null;
      if (session !== this.session) return;
      try {
        const prepared = session.prepareReroll(next.photoId, next.temperature, next.saturation);
        const photo = session.photo(next.photoId);
        void previewOfLayers(session, photo, prepared.decoded.layers).then((preview) => {
          this.previews.set(prepared.decoded, preview);
          this.prepared = prepared;
        });
      } catch {
        // The photo was closed meanwhile: nothing to prepare.
      }
    }, PREPARE_AFTER_IDLE_MS);
  }

  private addJob(kind: JobView['kind'], total: number, controls: Omit<Job, 'view'>): Job {
    const job: Job = { view: { id: `j${this.nextJob++}`, kind, state: 'running', done: 0, total, detail: '', errors: [], outputs: [] }, ...controls };
    this.jobs.set(job.view.id, job);
    return job;
  }

  private job(id: string): Job {
    const job = this.jobs.get(id);
    if (!job) throw new Error(`no job with id "${id}"`);
    return job;
  }

  private publish(job: Job): void {
    this.options.onEvent({ type: 'job', job: { ...job.view, errors: [...job.view.errors], outputs: [...job.view.outputs] } });
  }

  private readonly handlers: Handlers = {
    info: () => this.info(),
    listModels: () => this.models(),
    selectModel: async ({ name }) => {
      await this.useModel(name);
      return this.info();
    },
    listPhotos: async ({ paths }) => {
      const files: string[] = [];
      for (const given of paths) {
        const checked = this.options.paths.check(given);
        const stat = await fs.stat(checked).catch(() => null);
        if (!stat) throw new Error(`${checked} does not exist`);
        files.push(...(stat.isDirectory() ? (await listInputs(checked)).images : [checked]));
      }
      return { files };
    },
    openPhoto: async ({ file }) => this.photoView(await this.session.open(this.options.paths.check(file))),
    closePhoto: async ({ photoId }) => {
      this.session.close(photoId);
      return { closed: true };
    },
    sample: async ({ photoId, count, temperature, seed }) => {
      this.session.drawSamples(photoId, { count, temperature, seed });
      const views = await this.sampleViews(photoId);
      this.prepareNextReroll(photoId, temperature, 1);
      return views;
    },
    reroll: async ({ photoId, sampleId, seed }) => {
      const prepared = this.prepared;
      this.prepared = null;
      const sample = this.session.reroll(photoId, sampleId, seed, prepared ?? undefined);
      const views = await this.sampleViews(photoId);
      this.prepareNextReroll(photoId, sample.temperature, sample.saturation);
      return views;
    },
    setSaturation: async ({ photoId, sampleId, factor }) => {
      this.session.setSaturation(photoId, sampleId, factor);
      return this.sampleViews(photoId);
    },
    rerollRegion: async ({ photoId, sampleId, strokes, seed }) => {
      this.session.rerollRegion(photoId, sampleId, strokes, seed);
      return this.sampleViews(photoId);
    },
    ambiguity: ({ photoId }) => ambiguityPreview(this.session, photoId),
    loupe: ({ photoId, sampleId }) => loupeImages(this.session, photoId, sampleId),
    transfer: async ({ photoId, referenceId, strength, freedom, seed }) => {
      this.session.transfer(photoId, referenceId, { strength, freedom, seed });
      return this.sampleViews(photoId);
    },
    timeline: async ({ photoId, keyframes, frames, mode }) => ({ frames: await timelinePreviews(this.session, photoId, { keyframes, frames, mode }) }),
    exportSample: async ({ photoId, sampleId, target, format, quality }) => ({
      file: await exportSample(this.session, photoId, sampleId, this.options.paths.check(target), { format, quality, modelName: this.modelName }),
    }),
    exportTimeline: async (request) => exportTimeline(this.session, request.photoId, { ...request, outputDir: this.options.paths.check(request.outputDir) }),
    startBatch: async (request) => this.startBatch(request),
    startFinetune: async (request) => this.startFinetune(request),
    pauseJob: async ({ jobId }) => {
      const job = this.job(jobId);
      if (!job.pause) throw new Error(`a ${job.view.kind} job cannot be paused`);
      if (job.view.state === 'running') {
        job.pause();
        job.view.state = 'paused';
        this.publish(job);
      }
      return job.view;
    },
    resumeJob: async ({ jobId }) => {
      const job = this.job(jobId);
      if (job.view.state === 'paused') {
        job.resume?.();
        job.view.state = 'running';
        this.publish(job);
      }
      return job.view;
    },
    cancelJob: async ({ jobId }) => {
      const job = this.job(jobId);
      if (job.view.state === 'running' || job.view.state === 'paused') job.cancel();
      return job.view;
    },
  };

  /** A batch in this thread: it yields between files, so other requests are answered meanwhile. */
  private async startBatch(request: Request<'startBatch'>): Promise<{ jobId: string }> {
    const input = this.options.paths.check(request.input);
    const output = this.options.paths.check(request.output);
    // Its own session, so the batch never disturbs the photos open in the studio.
    const session = new StudioSession(this.session.model);
    // The job is registered once the batch could be set up (a refusal leaves no job behind).
    let job: Job | null = null;
    const batch = await folderBatch(session, { ...request, input, output }, {
      modelName: this.modelName,
      onEvent: (event) => {
        if (!job) return;
        const view = job.view;
        if (event.type === 'start') Object.assign(view, { total: event.total, done: event.total - event.pending });
        else if (event.type === 'file') view.detail = path.basename(event.file);
        else if (event.type === 'done') {
          view.done++;
          view.outputs.push(...event.outputs);
        } else if (event.type === 'failed') {
          view.done++;
          view.errors.push(event.error);
        }
        this.publish(job);
      },
    });
    job = this.addJob('batch', 0, { pause: () => batch.pause(), resume: () => batch.resume(), cancel: () => batch.cancel() });
    const started: Job = job;
    void batch.run().then((report) => {
      started.view.state = report.cancelled ? 'cancelled' : 'done';
      started.view.detail = `${report.done} of ${report.total} colorized, ${report.failed.length} failed, ${report.skipped.length} skipped`;
      this.publish(started);
    }, (error: Error) => {
      started.view.state = 'failed';
      started.view.errors.push(error.message);
      this.publish(started);
    }).finally(() => session.closeAll());
    return { jobId: started.view.id };
  }

  /** A fine-tune of the current model in a worker thread; the result joins the model list. */
  private async startFinetune(request: Request<'startFinetune'>): Promise<{ jobId: string }> {
    const data = this.options.paths.check(request.data);
    const out = path.join(this.options.userModels, request.name);
    if (existsSync(out) || (await this.models()).some((m) => m.name === request.name)) throw new Error(`a model named "${request.name}" already exists`);
    await fs.mkdir(this.options.userModels, { recursive: true });
    const work: FinetuneWork = {
      model: await this.modelDir(this.modelName), data, out, minutes: request.minutes, steps: request.steps ?? (request.minutes ? undefined : 200),
      batchSize: this.options.finetuneBatch ?? 8,
    };
    const worker = new Worker(new URL('./finetune-worker.js', import.meta.url), { workerData: work });
    // Cancel stops after the current step and keeps the best validated model so far.
    const job = this.addJob('finetune', work.steps ?? 0, { cancel: () => worker.postMessage({ type: 'cancel' }) });
    let firstStep: number | null = null;
    worker.on('message', (message: { type: string; event?: import('../training/trainer.ts').TrainEvent; message?: string }) => {
      const view = job.view;
      if (message.type === 'event' && message.event) {
        const event = message.event;
        if (event.type === 'step') {
          firstStep ??= event.step - 1;
          view.done = event.step - firstStep;
          view.detail = `step ${event.step}, loss ${event.loss.toFixed(3)} bits/dim`;
          this.options.onEvent({ type: 'loss', jobId: view.id, step: event.step, train: event.loss });
        } else if (event.type === 'validation') {
          this.options.onEvent({ type: 'loss', jobId: view.id, step: event.step, validation: event.nll });
        } else if (event.type === 'done') {
          view.detail = `stopped at step ${event.step} (${event.reason === 'cancelled' ? 'stopped by you' : event.reason}); the best validated model is saved`;
        }
        this.publish(job);
      } else if (message.type === 'warning' && message.message) {
        view.errors.push(message.message);
      } else if (message.type === 'finished') {
        // Stopping early still saves the model: the job is done either way.
        view.state = 'done';
        view.outputs = [request.name];
        this.publish(job);
      } else if (message.type === 'error') {
        view.state = 'failed';
        view.errors.push(message.message ?? 'fine-tuning failed');
        this.publish(job);
      }
    });
    worker.on('error', (error) => {
      job.view.state = 'failed';
      job.view.errors.push(error.message);
      this.publish(job);
    });
    return { jobId: job.view.id };
  }
}
