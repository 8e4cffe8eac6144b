// What `polychrome train` and `polychrome finetune` do, independent of the terminal: find the
// photos, set up (or resume) the model, and run the trainer.
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { prepareConditionNetwork } from '../condition.ts';
import { loadModel } from '../model/model-folder.ts';
import { DEFAULT_CONFIG, makeConfig, type ModelConfig } from '../model/config.ts';
import { freshState, isCheckpoint, loadCheckpoint } from './checkpoint.ts';
import { listImages, loadPhotos, type Photo, seededRandom } from './photos.ts';
import { train, type TrainEvent } from './trainer.ts';

/** Longest side photos are kept at in memory: crops down to 20 % of the area stay sharp at 128 px. */
const PHOTO_LONG_SIDE = 384;

export interface PhotoSets { train: Photo[]; validation: Photo[] }

/**
 * Photos of a data folder: its train/ and validation/ subfolders when it has them (as written by
 * `polychrome data`), otherwise all its photos with a seeded share held out for validation.
 */
export async function loadPhotoSets(dir: string, holdOut: number, seed: number, onError: (message: string) => void): Promise<PhotoSets> {
  if (!existsSync(dir)) throw new Error(`the data folder ${dir} does not exist`);
  if (existsSync(path.join(dir, 'train'))) {
    const validationDir = path.join(dir, 'validation');
    return {
      train: await loadPhotos(await listImages(path.join(dir, 'train')), PHOTO_LONG_SIDE, onError),
      validation: existsSync(validationDir) ? await loadPhotos(await listImages(validationDir), PHOTO_LONG_SIDE, onError) : [],
    };
  }
  const photos = await loadPhotos(await listImages(dir), PHOTO_LONG_SIDE, onError);
  const random = seededRandom(seed);
  const shuffled = photos.map((photo) => ({ photo, key: random() })).sort((a, b) => a.key - b.key).map((e) => e.photo);
  const held = photos.length >= 4 ? Math.max(1, Math.round(photos.length * holdOut)) : 0;
  return { validation: shuffled.slice(0, held), train: shuffled.slice(held) };
}

/** What every training run is told: where the photos are and go, how long, and whom to tell. */
interface RunOptions {
  data: string;
  out: string;
  minutes?: number;
  steps?: number;
  batchSize: number;
  workers: number;
  onEvent: (event: TrainEvent) => void;
  onWarning: (message: string) => void;
  signal?: AbortSignal;
}

export interface TrainCommand extends RunOptions {
  resume: boolean;
  configFile?: string;
}

async function readConfig(file: string | undefined): Promise<ModelConfig> {
  if (!file) return DEFAULT_CONFIG;
  const text = await fs.readFile(file, 'utf8').catch((error: Error) => { throw new Error(`cannot read the config ${file}: ${error.message}`); });
  let changes: Partial<ModelConfig>;
  try {
    changes = JSON.parse(text) as Partial<ModelConfig>;
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  return makeConfig(changes);
}

export async function runTraining(command: TrainCommand) {
  const resuming = command.resume && await isCheckpoint(command.out);
  if (command.resume && !resuming && existsSync(command.out)) throw new Error(`${command.out} is not a training checkpoint, so it cannot be resumed`);
  if (!command.resume && existsSync(command.out)) throw new Error(`${command.out} already exists: pass --resume to continue training it, or choose a new folder`);
  const start = resuming ? await loadCheckpoint(command.out) : undefined;
  const config = start?.model.config ?? await readConfig(command.configFile);
  await prepareConditionNetwork(config);
  const photos = await loadPhotoSets(command.data, 0.1, config.seed, command.onWarning);
  return train({
    ...photos,
    out: command.out,
    start,
    config,
    batchSize: command.batchSize,
    workers: command.workers,
    learningRate: config.optimiser.learningRate,
    warmupSteps: 200,
    scheduleSteps: 30_000,
    minutes: command.minutes,
    maxSteps: command.steps,
    validateEvery: 250,
    checkpointSeconds: 300,
    seed: config.seed,
    signal: command.signal,
    provenance: { data: path.resolve(command.data), trainPhotos: photos.train.length, validationPhotos: photos.validation.length },
    onEvent: command.onEvent,
  });
}

export interface FinetuneCommand extends RunOptions {
  model: string;
}

/** Fine-tuning on a folder of the user's colour photos: a fifth of the learning rate, a held-out
 *  part for validation, and early stopping that keeps the best model. */
export async function runFinetune(command: FinetuneCommand) {
  if (existsSync(command.out)) throw new Error(`${command.out} already exists: choose a new folder for the fine-tuned model`);
  const model = await loadModel(command.model);
  const photos = await loadPhotoSets(command.data, 0.15, model.config.seed, command.onWarning);
  if (photos.train.length === 0) throw new Error(`no photos could be read in ${command.data}`);
  return train({
    ...photos,
    out: command.out,
    start: { model, state: freshState() },
    config: model.config,
    batchSize: command.batchSize,
    workers: command.workers,
    learningRate: model.config.optimiser.learningRate / 5,
    warmupSteps: 20,
    scheduleSteps: 2_000,
    minutes: command.minutes,
    maxSteps: command.steps,
    validateEvery: 25,
    checkpointSeconds: 300,
    patience: 4,
    seed: model.config.seed + 1,
    signal: command.signal,
    provenance: { finetunedFrom: path.resolve(command.model), data: path.resolve(command.data), trainPhotos: photos.train.length, validationPhotos: photos.validation.length },
    onEvent: command.onEvent,
  });
}
