// Colorizing many photos: a job over a list of input files that writes N samples (or the most
// probable one) of each, reports every file's outcome, goes on after a bad file, and can be paused,
// resumed and cancelled between files. With a manifest (the `batch` command) a killed run resumes
// with no duplicate and no missing output.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { extensionFor, formatForPath, type OutputFormat } from '../image/encode.ts';
import { exists, numberedName } from '../io/atomic.ts';
import { IMAGE_EXTENSIONS } from '../training/photos.ts';
import { exportSample } from '../studio/export.ts';
import type { StudioSession } from '../studio/session.ts';
import { Manifest, MANIFEST_NAME } from './manifest.ts';

export interface ColorizeSettings {
  samples: number;
  temperature: number;
  seed: number;
  /** Write only the most probable of the samples. */
  best: boolean;
  /** Output format; by default the input's when we can write it, else PNG. */
  format?: OutputFormat;
  quality?: number;
}

export interface BatchItem {
  file: string;
  /** Path of the input relative to the batch's input (decides where its outputs go). */
  relative: string;
}

export type BatchEvent =
  | { type: 'start'; total: number; pending: number; skipped: string[] }
  | { type: 'file'; index: number; total: number; file: string }
  | { type: 'done'; file: string; outputs: string[] }
  | { type: 'failed'; file: string; error: string }
  | { type: 'paused' } | { type: 'resumed' };

export interface BatchReport {
  total: number;
  done: number;
  failed: { file: string; error: string }[];
  /** Files that are not images (by extension), left alone. */
  skipped: string[];
  outputs: string[];
  cancelled: boolean;
}

const TEMPORARY = /^\..+\.\d+-[0-9a-f]{8}\.tmp$/;

/** Every file below dir (hidden ones and the `exclude` folder left out), split into images and the rest. */
export async function listInputs(dir: string, exclude?: string): Promise<{ images: string[]; others: string[] }> {
  const images: string[] = [], others: string[] = [];
  const walk = async (folder: string) => {
    const entries = await fs.readdir(folder, { withFileTypes: true });
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) {
        if (exclude && path.resolve(full) === path.resolve(exclude)) continue;
        await walk(full);
      } else {
        (IMAGE_EXTENSIONS.test(entry.name) ? images : others).push(full);
      }
    }
  };
  await walk(dir);
  return { images, others };
}

/** Removes temporary files left by a killed run (only names our atomic writer makes). */
export async function removeStaleTemporaries(dir: string): Promise<void> {
  const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  await Promise.all(entries.filter((e) => e.isFile() && TEMPORARY.test(e.name)).map((e) => fs.rm(path.join(e.parentPath, e.name), { force: true })));
}

function outputNames(item: BatchItem, settings: ColorizeSettings): string[] {
  const format = settings.format ?? formatForPath(item.file) ?? 'png';
  const parsed = path.parse(item.relative);
  const stem = path.join(parsed.dir, parsed.name);
  if (settings.best || settings.samples === 1) return [`${stem}${extensionFor(format)}`];
  return Array.from({ length: settings.samples }, (_, k) => `${stem}-${k + 1}${extensionFor(format)}`);
}

export class BatchJob {
  private paused: { promise: Promise<void>; release: () => void } | null = null;
  private cancelled = false;

  constructor(
    private readonly session: StudioSession,
    private readonly items: BatchItem[],
    private readonly output: string,
    private readonly settings: ColorizeSettings,
    private readonly options: { manifest?: Manifest; skipped?: string[]; modelName?: string; onEvent?: (event: BatchEvent) => void } = {},
  ) {}

  pause(): void {
    if (this.paused) return;
    let release = () => {};
    const promise = new Promise<void>((resolve) => { release = resolve; });
    this.paused = { promise, release };
    this.emit({ type: 'paused' });
  }

  resume(): void {
    if (!this.paused) return;
    this.paused.release();
    this.paused = null;
    this.emit({ type: 'resumed' });
  }

  /** Stops after the file being colorized; its outputs and the manifest stay consistent. */
  cancel(): void {
    this.cancelled = true;
    this.resume();
  }

  get isPaused(): boolean {
    return this.paused !== null;
  }

  private emit(event: BatchEvent): void {
    this.options.onEvent?.(event);
  }

  async run(): Promise<BatchReport> {
    const { manifest } = this.options;
    const report: BatchReport = { total: this.items.length, done: 0, failed: [], skipped: this.options.skipped ?? [], outputs: [], cancelled: false };
    const pending = this.items.filter((item) => manifest?.entry(item.relative)?.status !== 'done');
    report.done = this.items.length - pending.length;
    this.emit({ type: 'start', total: this.items.length, pending: pending.length, skipped: report.skipped });
    for (const item of pending) {
      if (this.paused) await this.paused.promise;
      if (this.cancelled) {
        report.cancelled = true;
        break;
      }
      this.emit({ type: 'file', index: report.done + report.failed.length, total: this.items.length, file: item.file });
      try {
        const outputs = await this.colorize(item);
        report.done++;
        report.outputs.push(...outputs);
        this.emit({ type: 'done', file: item.file, outputs });
      } catch (error) {
        const message = (error as Error).message.split('\n')[0];
        report.failed.push({ file: item.file, error: message });
        await manifest?.set(item.relative, { status: 'failed', outputs: [], error: message });
        this.emit({ type: 'failed', file: item.file, error: message });
      }
    }
    return report;
  }

  /** Plans the outputs' names (recorded before writing), then writes whichever are missing. */
  private async colorize(item: BatchItem): Promise<string[]> {
    const { manifest } = this.options;
    const photo = await this.session.open(item.file);
    try {
      const earlier = manifest?.entry(item.relative);
      const planned = earlier?.status === 'planned' ? earlier.outputs : await this.freeNames(outputNames(item, this.settings));
      await manifest?.set(item.relative, { status: 'planned', outputs: planned });
      const samples = this.session.drawSamples(photo.id, { count: this.settings.samples, temperature: this.settings.temperature, seed: this.settings.seed });
      const chosen = this.settings.best ? [this.session.ranked(photo.id)[0]] : samples;
      const written: string[] = [];
      for (const [k, sample] of chosen.entries()) {
        const target = path.join(this.output, planned[k]);
        if (await exists(target)) {
          written.push(planned[k]); // complete: written atomically before a kill
          continue;
        }
        await fs.mkdir(path.dirname(target), { recursive: true }).catch((error: Error) => {
          throw new Error(`cannot write ${target}: ${error.message}`);
        });
        const actual = await exportSample(this.session, photo.id, sample.id, target, { format: this.settings.format ?? formatForPath(target) ?? 'png', quality: this.settings.quality, modelName: this.options.modelName });
        written.push(path.relative(this.output, actual));
      }
      await manifest?.set(item.relative, { status: 'done', outputs: written });
      return written.map((name) => path.join(this.output, name));
    } finally {
      this.session.close(photo.id);
    }
  }

  /** Names not taken on disk nor by another file of this batch: `name (2).jpg` and so on if needed. */
  private async freeNames(names: string[]): Promise<string[]> {
    const claimed = this.options.manifest?.claimed() ?? new Set<string>();
    const free: string[] = [];
    for (const name of names) {
      for (let n = 1; ; n++) {
        const candidate = numberedName(name, n);
        if (!claimed.has(candidate) && !free.includes(candidate) && !(await exists(path.join(this.output, candidate)))) {
          free.push(candidate);
          break;
        }
      }
    }
    return free;
  }
}


export interface FolderBatchRequest extends ColorizeSettings {
  input: string;
  output: string;
  resume: boolean;
}

/** A `batch` job: the input folder's tree mirrored in the output folder, with a manifest. */
export async function folderBatch(session: StudioSession, request: FolderBatchRequest, options: { modelName?: string; onEvent?: (event: BatchEvent) => void } = {}): Promise<BatchJob> {
  const input = path.resolve(request.input);
  const output = path.resolve(request.output);
  const stat = await fs.stat(input).catch(() => null);
  if (!stat?.isDirectory()) throw new Error(`${request.input} is not a folder`);
  if (output === input) throw new Error('the output folder must differ from the input folder (originals are never overwritten)');
  await fs.mkdir(output, { recursive: true });
  await fs.access(output, fs.constants.W_OK).catch(() => { throw new Error(`cannot write to the output folder ${request.output}`); });
  await removeStaleTemporaries(output);
  const { samples, temperature, seed, best, format, quality } = request;
  const manifest = await Manifest.open(output, input, { samples, temperature, seed, best, format: format ?? null, quality: quality ?? null }, request.resume);
  const { images, others } = await listInputs(input, output);
  const items = images.map((file) => ({ file, relative: path.relative(input, file) }));
  return new BatchJob(session, items, output, request, { manifest, skipped: others.filter((f) => path.basename(f) !== MANIFEST_NAME), ...options });
}
