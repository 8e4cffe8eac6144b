// A checkpoint is a model folder (model-folder.ts) plus the training state in the same atomic swap:
// training-state.json (step, schedule, history) and optimizer.bin (Adam moments).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { type AnyModel, loadAnyModel, saveModel } from '../model/model-folder.ts';

const STATE = 'training-state.json';
const OPTIMISER = 'optimizer.bin';

export interface TrainingState {
  step: number;
  /** Multiplies the scheduled learning rate; halved by every NaN rollback. */
  learningRateScale: number;
  elapsedSeconds: number;
  losses: Array<{ step: number; loss: number }>;
  validation: Array<{ step: number; nll: number }>;
  bestValidation: number | null;
  rollbacks: Array<{ step: number; toStep: number; reason: string }>;
}

export function freshState(): TrainingState {
  return { step: 0, learningRateScale: 1, elapsedSeconds: 0, losses: [], validation: [], bestValidation: null, rollbacks: [] };
}

export async function saveCheckpoint(model: AnyModel, dir: string, state: TrainingState, provenance: Record<string, unknown>, card?: string): Promise<void> {
  const adam = await model.adam.state();
  const optimiser = Buffer.alloc(8 + (adam.first.length + adam.second.length) * 4);
  optimiser.writeDoubleLE(adam.step, 0);
  Buffer.from(adam.first.buffer, adam.first.byteOffset, adam.first.byteLength).copy(optimiser, 8);
  Buffer.from(adam.second.buffer, adam.second.byteOffset, adam.second.byteLength).copy(optimiser, 8 + adam.first.byteLength);
  await saveModel(model, dir, {
    replace: true,
    provenance,
    card,
    extraFiles: { [STATE]: JSON.stringify(state) + '\n', [OPTIMISER]: optimiser },
  });
}

/** Loads model, optimiser and training state of a checkpoint folder. */
export async function loadCheckpoint(dir: string): Promise<{ model: AnyModel; state: TrainingState }> {
  const model = await loadAnyModel(dir);
  try {
    const state = JSON.parse(await fs.readFile(path.join(dir, STATE), 'utf8')) as TrainingState;
    const bytes = await fs.readFile(path.join(dir, OPTIMISER));
    const count = (bytes.length - 8) / 8;
    const copy = (offset: number) => new Float32Array(bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + count * 4));
    model.adam.restore({ step: bytes.readDoubleLE(0), first: copy(8), second: copy(8 + count * 4) });
    return { model, state };
  } catch (error) {
    model.dispose();
    throw new Error(`${dir} cannot be resumed: ${(error as Error).message}`);
  }
}

export async function isCheckpoint(dir: string): Promise<boolean> {
  return fs.stat(path.join(dir, STATE)).then(() => true, () => false);
}
