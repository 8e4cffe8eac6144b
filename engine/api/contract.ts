// The one contract between the studio's renderer and the engine (DESIGN.md rule 2): every
// operation with its request schema (validated wherever a request enters: Electron IPC, the browser
// server) and its result type, and the events long jobs send. The renderer imports only types.
import { z } from 'zod';

const id = z.string().regex(/^[a-z]\d{1,9}$/, 'an id like "p1" or "s12"');
const filePath = z.string().min(1).max(4096).refine((p) => !p.includes('\0'), 'a path must not contain NUL');
const seed = z.number().int().min(0).max(2 ** 31 - 1);
const temperature = z.number().min(0.05).max(2);
const point = z.tuple([z.number().min(-1).max(2), z.number().min(-1).max(2)]);
const stroke = z.object({ points: z.array(point).min(1).max(10_000), radius: z.number().gt(0).max(1) }).strict();
const outputFormat = z.enum(['jpeg', 'png', 'tiff', 'webp']);
const modelName = z.string().regex(/^[\w][\w .-]{0,63}$/, 'letters, digits, spaces, dots, dashes or underscores (at most 64)');
const keyframes = z.array(id).min(2).max(64);

/** Request schemas, one per operation. */
export const REQUESTS = {
  info: z.object({}).strict(),
  listModels: z.object({}).strict(),
  selectModel: z.object({ name: modelName }).strict(),
  listPhotos: z.object({ paths: z.array(filePath).min(1).max(10_000) }).strict(),
  openPhoto: z.object({ file: filePath }).strict(),
  closePhoto: z.object({ photoId: id }).strict(),
  sample: z.object({ photoId: id, count: z.number().int().min(1).max(32), temperature, seed }).strict(),
  reroll: z.object({ photoId: id, sampleId: id, seed: seed.optional() }).strict(),
  setSaturation: z.object({ photoId: id, sampleId: id, factor: z.number().min(0).max(3) }).strict(),
  rerollRegion: z.object({ photoId: id, sampleId: id, strokes: z.array(stroke).min(1).max(100), seed: seed.optional() }).strict(),
  ambiguity: z.object({ photoId: id }).strict(),
  loupe: z.object({ photoId: id, sampleId: id }).strict(),
  transfer: z.object({
    photoId: id, referenceId: id, strength: z.number().min(0).max(1).optional(),
    freedom: z.array(z.number().min(0).max(1)).min(1).max(16).optional(), seed: seed.optional(),
  }).strict(),
  timeline: z.object({ photoId: id, keyframes, frames: z.number().int().min(2).max(240), mode: z.enum(['linear', 'spherical']) }).strict(),
  exportSample: z.object({ photoId: id, sampleId: id, target: filePath, format: outputFormat.optional(), quality: z.number().int().min(1).max(100).optional() }).strict(),
  exportTimeline: z.object({
    photoId: id, keyframes, frames: z.number().int().min(2).max(1000), mode: z.enum(['linear', 'spherical']),
    outputDir: filePath, animation: z.enum(['webp', 'gif']), size: z.number().int().min(0).max(20_000).optional(), fps: z.number().min(1).max(60).optional(),
  }).strict(),
  startBatch: z.object({
    input: filePath, output: filePath, samples: z.number().int().min(1).max(32), temperature, seed,
    best: z.boolean(), resume: z.boolean(), format: outputFormat.optional(),
  }).strict(),
  startFinetune: z.object({ data: filePath, name: modelName, minutes: z.number().gt(0).max(24 * 60).optional(), steps: z.number().int().min(1).max(1_000_000).optional() }).strict(),
  pauseJob: z.object({ jobId: id }).strict(),
  resumeJob: z.object({ jobId: id }).strict(),
  cancelJob: z.object({ jobId: id }).strict(),
};

export type Operation = keyof typeof REQUESTS;
export const OPERATIONS = Object.keys(REQUESTS) as Operation[];
export type Request<O extends Operation> = z.infer<(typeof REQUESTS)[O]>;
export type Stroke = z.infer<typeof stroke>;

export interface PhotoView {
  id: string;
  file: string;
  name: string;
  width: number;
  height: number;
  colour: boolean;
  /** Data URLs at preview size: the photo as it is, and its L alone. */
  original: string;
  lightness: string;
}

export interface SampleView {
  id: string;
  kind: 'sample' | 'transfer';
  seed: number;
  temperature: number;
  saturation: number;
  regions: number;
  /** NLL of the sample's z under the model, bits per dimension (lower is more probable). */
  bitsPerDim: number;
  /** The most probable of the photo's samples. */
  mostProbable: boolean;
  reference?: { photoId: string; name: string };
  preview: string;
}

export interface ModelView {
  name: string;
  dir: string;
  builtIn: boolean;
  parameters: number;
}

export interface EngineInfo {
  version: string;
  backend: string;
  model: string;
  models: ModelView[];
}

export interface Results {
  info: EngineInfo;
  listModels: ModelView[];
  selectModel: EngineInfo;
  /** The photos among the paths: files as they are, folders searched for images. */
  listPhotos: { files: string[] };
  openPhoto: PhotoView;
  closePhoto: { closed: true };
  sample: SampleView[];
  reroll: SampleView[];
  setSaturation: SampleView[];
  rerollRegion: SampleView[];
  ambiguity: { image: string; maxSpread: number; meanSpread: number };
  /** One sample and the original at loupe size (up to 1600 px), for zoom, pan and before/after. */
  loupe: { image: string; original: string; width: number; height: number };
  transfer: SampleView[];
  timeline: { frames: string[] };
  exportSample: { file: string };
  exportTimeline: { frames: string[]; animation: string };
  startBatch: { jobId: string };
  startFinetune: { jobId: string };
  pauseJob: JobView;
  resumeJob: JobView;
  cancelJob: JobView;
}

export type JobKind = 'batch' | 'finetune';
export type JobState = 'running' | 'paused' | 'done' | 'failed' | 'cancelled';

export interface JobView {
  id: string;
  kind: JobKind;
  state: JobState;
  done: number;
  total: number;
  /** What it is doing now (file name, step). */
  detail: string;
  /** Per-file errors of a batch; the error that ended a failed job. */
  errors: string[];
  /** Files written by a batch; the model name of a fine-tune. */
  outputs: string[];
}

/** Events the engine sends while jobs run. */
export type EngineEvent =
  | { type: 'job'; job: JobView }
  | { type: 'loss'; jobId: string; step: number; train?: number; validation?: number };

/** A clear refusal: the operation, what was wrong. */
export class RequestError extends Error {
  constructor(readonly operation: string, message: string) {
    super(`${operation}: ${message}`);
  }
}

/** Validates a request against its operation's schema; unknown operations are refused. */
export function parseRequest<O extends Operation>(operation: string, args: unknown): { operation: O; request: Request<O> } {
  if (!Object.hasOwn(REQUESTS, operation)) throw new RequestError(operation, 'unknown operation');
  const parsed = REQUESTS[operation as O].safeParse(args ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RequestError(operation, `${issue.path.join('.') || 'request'}: ${issue.message}`);
  }
  return { operation: operation as O, request: parsed.data as Request<O> };
}
