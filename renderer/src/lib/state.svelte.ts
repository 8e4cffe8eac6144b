// The studio's state, shared by every view: open photos and their samples, jobs, the loss curves
// of fine-tunes, and what went wrong.
import type { EngineInfo, JobView, PhotoView, SampleView } from '../../../engine/api/contract.ts';
import { call, importFiles, mode, onEvent, session, type SessionInfo } from './engine.ts';

export type View = 'library' | 'gallery' | 'transfer' | 'timeline' | 'batch' | 'train';
export interface LossPoint { step: number; train?: number; validation?: number }

export const app = $state({
  view: 'library' as View,
  info: null as EngineInfo | null,
  session: null as SessionInfo | null,
  photos: [] as PhotoView[],
  currentId: null as string | null,
  samples: {} as Record<string, SampleView[]>,
  selected: {} as Record<string, string>,
  jobs: {} as Record<string, JobView>,
  losses: {} as Record<string, LossPoint[]>,
  errors: [] as string[],
  busy: '' as string,
});

export function current(): PhotoView | null {
  return app.photos.find((p) => p.id === app.currentId) ?? null;
}

/** Electron prefixes errors from IPC; the engine's own message is what the user needs. */
function clean(message: string): string {
  return message.replace(/^Error invoking remote method '[^']+': (Error: )?/, '');
}

export function report(error: unknown): void {
  app.errors = [...app.errors, clean((error as Error).message ?? String(error))];
}

/** Runs a request with the busy indicator; errors go to the banner. */
export async function busy<T>(label: string, work: () => Promise<T>): Promise<T | undefined> {
  app.busy = label;
  try {
    return await work();
  } catch (error) {
    report(error);
    return undefined;
  } finally {
    app.busy = '';
  }
}

export async function start(): Promise<void> {
  onEvent((event) => {
    if (event.type === 'job') app.jobs[event.job.id] = event.job;
    else app.losses[event.jobId] = [...(app.losses[event.jobId] ?? []), { step: event.step, train: event.train, validation: event.validation }];
  });
  await busy('Starting the engine', async () => {
    app.session = await session();
    app.info = await call('info', {});
  });
}

export async function openFiles(paths: string[]): Promise<void> {
  for (const file of paths) {
    const photo = await busy(`Opening ${file.split(/[\\/]/).pop()}`, () => call('openPhoto', { file }));
    if (photo) {
      app.photos = [...app.photos, photo];
      app.currentId ??= photo.id;
    }
  }
}

/** Imports dropped or picked files; folders (dropped ones) contribute the photos inside them. */
export async function importDropped(files: File[]): Promise<PhotoView[]> {
  const before = app.photos.length;
  const listed = await busy('Importing', async () => call('listPhotos', { paths: await importFiles(files) }));
  if (listed) await openFiles(listed.files);
  return app.photos.slice(before);
}

/**
 * The files of a drop. Electron gives folders as entries with a path (the engine lists them);
 * a browser gives them as directory entries, read here into their image files.
 */
export async function droppedFiles(data: DataTransfer | null): Promise<File[]> {
  if (!data) return [];
  if (mode === 'electron') return Array.from(data.files);
  const entries = Array.from(data.items).map((item) => item.webkitGetAsEntry()).filter((e): e is FileSystemEntry => e !== null);
  const files: File[] = [];
  const walk = async (entry: FileSystemEntry): Promise<void> => {
    if (entry.isFile) {
      if (/\.(jpe?g|png|webp|tiff?|gif|avif|heic|heif)$/i.test(entry.name)) files.push(await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject)));
      return;
    }
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    for (;;) {
      const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
      if (batch.length === 0) return;
      for (const child of batch) await walk(child);
    }
  };
  for (const entry of entries) await walk(entry);
  return entries.length ? files : Array.from(data.files);
}

export function setSamples(photoId: string, samples: SampleView[]): void {
  app.samples[photoId] = samples;
  if (!samples.some((s) => s.id === app.selected[photoId])) app.selected[photoId] = samples[0]?.id;
}
