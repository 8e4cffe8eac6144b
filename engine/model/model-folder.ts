// A model on disk is a folder (DESIGN.md rule 6): model.json (format version, config, the list of
// weights, SHA-256 of the weights file, provenance) and weights.bin (float32, little-endian).
// Loading checks the version, the size and the checksum before building anything.
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { RegressionModel } from '../baselines/regression.ts';
import { prepareConditionNetwork } from '../condition.ts';
import { ColorizationModel } from './colorization-model.ts';
import { MODEL_FORMAT_VERSION, type ModelConfig, parseModelConfig } from './config.ts';

const MANIFEST = 'model.json';
const WEIGHTS = 'weights.bin';
const FORMAT_NAME = 'polychrome-model';

interface WeightEntry {
  name: string;
  shape: number[];
}

interface Manifest {
  format: string;
  formatVersion: number;
  config: unknown;
  weights: { file: string; bytes: number; sha256: string; tensors: WeightEntry[] };
  provenance: Record<string, unknown>;
}

export interface SaveOptions {
  /** Replace an existing model folder (checkpoints); otherwise an existing folder is an error. */
  replace?: boolean;
  /** Free-form facts about how the model was made (training steps, data, date). */
  provenance?: Record<string, unknown>;
  /** Model card text, written as MODEL_CARD.md. */
  card?: string;
  /** More files to place in the folder in the same atomic swap (training state of a checkpoint). */
  extraFiles?: Record<string, Buffer | string>;
}

/** Anything with a config and named weights: the cINN or the regression baseline. */
export type AnyModel = ColorizationModel | RegressionModel;

/** A model of the kind the config names, freshly initialised or with stored weights. */
export function createModel(config: ModelConfig, stored?: Map<string, Float32Array>): AnyModel {
  return config.kind === 'regression' ? new RegressionModel(config, stored) : new ColorizationModel(config, stored);
}

/** Writes the model to a temporary sibling folder and renames it into place. */
export async function saveModel(model: AnyModel, dir: string, options: SaveOptions = {}): Promise<void> {
  const target = path.resolve(dir);
  const exists = await fs.stat(target).then(() => true, () => false);
  if (exists && !options.replace) throw new Error(`${target} already exists; choose a new folder for the model`);

  const entries = model.store.entries();
  const tensors: WeightEntry[] = [];
  const chunks: Buffer[] = [];
  for (const [name, variable] of entries) {
    const values = (await variable.data()) as Float32Array;
    tensors.push({ name, shape: variable.shape });
    chunks.push(Buffer.from(values.buffer, values.byteOffset, values.byteLength));
  }
  const weights = Buffer.concat(chunks);
  const manifest: Manifest = {
    format: FORMAT_NAME,
    formatVersion: MODEL_FORMAT_VERSION,
    config: model.config,
    weights: { file: WEIGHTS, bytes: weights.length, sha256: sha256(weights), tensors },
    provenance: { savedAt: new Date().toISOString(), parameters: model.store.parameterCount(), ...options.provenance },
  };

  const suffix = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const temporary = `${target}.saving-${suffix}`;
  await fs.mkdir(path.dirname(target), { recursive: true });
  await fs.mkdir(temporary);
  try {
    await fs.writeFile(path.join(temporary, WEIGHTS), weights);
    await fs.writeFile(path.join(temporary, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
    if (options.card) await fs.writeFile(path.join(temporary, 'MODEL_CARD.md'), options.card);
    for (const [name, content] of Object.entries(options.extraFiles ?? {})) await fs.writeFile(path.join(temporary, name), content);
    if (exists) {
      const previous = `${target}.replaced-${suffix}`;
      await fs.rename(target, previous);
      await fs.rename(temporary, target);
      await fs.rm(previous, { recursive: true, force: true });
    } else {
      await fs.rename(temporary, target);
    }
  } catch (error) {
    await fs.rm(temporary, { recursive: true, force: true });
    throw error;
  }
}

/** Reads a colorization cINN; a baseline folder is refused. */
export async function loadModel(dir: string): Promise<ColorizationModel> {
  const model = await loadAnyModel(dir);
  if (model instanceof ColorizationModel) return model;
  model.dispose();
  throw new Error(`${path.resolve(dir)} holds a ${model.config.kind} baseline, not a colorization model`);
}

/** Reads and verifies a model folder; every refusal names the folder and the problem. */
export async function loadAnyModel(dir: string): Promise<AnyModel> {
  const folder = path.resolve(dir);
  const manifestPath = path.join(folder, MANIFEST);
  const text = await fs.readFile(manifestPath, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new Error(error.code === 'ENOENT' ? `${folder} is not a Polychrome model: it has no ${MANIFEST}` : `cannot read ${manifestPath}: ${error.message}`);
  });
  let manifest: Manifest;
  try {
    manifest = JSON.parse(text) as Manifest;
  } catch (error) {
    throw new Error(`${manifestPath} is not valid JSON: ${(error as Error).message}`);
  }
  if (manifest.format !== FORMAT_NAME) throw new Error(`${manifestPath} is not a Polychrome model manifest (format "${manifest.format}")`);
  if (manifest.formatVersion !== MODEL_FORMAT_VERSION) {
    throw new Error(`${manifestPath} has model format version ${manifest.formatVersion}; this Polychrome reads version ${MODEL_FORMAT_VERSION}`);
  }
  const config = parseModelConfig(manifest.config, manifestPath);

  const weightsPath = path.join(folder, manifest.weights.file);
  const weights = await fs.readFile(weightsPath).catch((error: NodeJS.ErrnoException) => {
    throw new Error(`cannot read the weights ${weightsPath}: ${error.code === 'ENOENT' ? 'the file is missing' : error.message}`);
  });
  if (weights.length !== manifest.weights.bytes) {
    const what = weights.length < manifest.weights.bytes ? 'truncated' : 'too long';
    throw new Error(`the weights ${weightsPath} are ${what}: ${weights.length} bytes, the manifest expects ${manifest.weights.bytes}`);
  }
  if (sha256(weights) !== manifest.weights.sha256) {
    throw new Error(`the weights ${weightsPath} are corrupt: their SHA-256 does not match the manifest`);
  }

  const stored = new Map<string, Float32Array>();
  let offset = 0;
  for (const entry of manifest.weights.tensors) {
    const count = entry.shape.reduce((a, b) => a * b, 1);
    const bytes = weights.subarray(offset, offset + count * 4);
    stored.set(entry.name, new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)));
    offset += count * 4;
  }
  if (offset !== weights.length) throw new Error(`${manifestPath} lists ${offset} bytes of weights but ${weightsPath} has ${weights.length}`);

  await prepareConditionNetwork(config);
  try {
    const model = createModel(config, stored);
    const unused = [...stored.keys()].filter((name) => !model.store.entries().some(([n]) => n === name));
    if (unused.length > 0) {
      model.dispose();
      throw new Error(`the architecture has no parameters ${unused.slice(0, 3).join(', ')}${unused.length > 3 ? ', ...' : ''}`);
    }
    return model;
  } catch (error) {
    throw new Error(`${folder} does not match its configuration: ${(error as Error).message}`);
  }
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
