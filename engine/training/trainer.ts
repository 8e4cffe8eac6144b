// The training loop: random resized crops, dequantisation noise (in the model's step), AdamW with
// warm-up and cosine decay, validation NLL every N steps, checkpoints every few minutes, resume,
// a NaN/inf guard that rolls back to the last checkpoint with a lower learning rate, and events
// for the CLI's progress bar and the studio's loss plot.
import * as tf from '@tensorflow/tfjs';
import type { TrainBatch } from '../model/colorization-model.ts';
import { type AnyModel, createModel } from '../model/model-folder.ts';
import { DataParallel } from './parallel.ts';
import type { ModelConfig } from '../model/config.ts';
import { freshState, isCheckpoint, loadCheckpoint, saveCheckpoint, type TrainingState } from './checkpoint.ts';
import { centreCrop, type Example, makeExample, type Photo, randomCrop, seededRandom } from './photos.ts';

export type TrainEvent =
  | { type: 'step'; step: number; loss: number; learningRate: number; imagesPerSecond: number; etaSeconds: number | null }
  /** nll: validation loss, NLL in bits/dim (cINN) or mean squared error of normalised ab (regression). */
  | { type: 'validation'; step: number; nll: number; unit: 'bits/dim' | 'MSE'; best: boolean }
  | { type: 'checkpoint'; step: number; dir: string }
  | { type: 'rollback'; step: number; toStep: number; learningRateScale: number; reason: string }
  | { type: 'done'; step: number; reason: 'minutes' | 'steps' | 'cancelled' | 'early-stop' };

export interface TrainerOptions {
  train: Photo[];
  validation: Photo[];
  /** Model folder: checkpoints go here, and the trained model stays here. */
  out: string;
  /** Start from this model and state (resume or fine-tune); otherwise a fresh model of `config`. */
  start?: { model: AnyModel; state: TrainingState };
  config: ModelConfig;
  batchSize: number;
  learningRate: number;
  warmupSteps: number;
  /** Steps over which the learning rate decays (cosine) to a tenth. */
  scheduleSteps: number;
  minutes?: number;
  maxSteps?: number;
  validateEvery: number;
  checkpointSeconds: number;
  /** Stop after this many validations without improvement, keeping the best model (fine-tuning). */
  patience?: number;
  seed: number;
  signal?: AbortSignal;
  /** Training threads: 1 trains on this thread; more split each batch across worker threads. */
  workers?: number;
  /** Test hook: the batch of this step is poisoned with NaN once. */
  injectNaNAtStep?: number;
  provenance: Record<string, unknown>;
  onEvent: (event: TrainEvent) => void;
}

const MAX_ROLLBACKS_IN_A_ROW = 4;

export function scheduledLearningRate(options: Pick<TrainerOptions, 'learningRate' | 'warmupSteps' | 'scheduleSteps'>, step: number): number {
  if (step < options.warmupSteps) return options.learningRate * (step + 1) / options.warmupSteps;
  const progress = Math.min(1, (step - options.warmupSteps) / Math.max(1, options.scheduleSteps - options.warmupSteps));
  return options.learningRate * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * progress)));
}

function toBatch(examples: Example[], config: ModelConfig) {
  const n = examples.length;
  const { conditionSize: s, chromaSize: c } = config;
  const lightness = new Float32Array(n * s * s);
  const chroma = new Float32Array(n * c * c * 2);
  examples.forEach((e, i) => { lightness.set(e.lightness, i * s * s); chroma.set(e.chroma, i * c * c * 2); });
  return {
    lightness: tf.tensor4d(lightness, [n, s, s, 1]),
    chroma: tf.tensor4d(chroma, [n, c, c, 2]),
  };
}

/** The crops of one step, fixed by (seed, step) so a resumed run sees the same data. */
async function trainingExamples(photos: Photo[], config: ModelConfig, seed: number, step: number, batchSize: number): Promise<Example[]> {
  const random = seededRandom(seed * 1_000_003 + step);
  return Promise.all(Array.from({ length: batchSize }, () => {
    const photo = photos[Math.floor(random() * photos.length)];
    return makeExample(photo, randomCrop(photo, random), config);
  }));
}

/** Mean validation loss: NLL in bits/dim for the cINN, MSE for the regression baseline. */
export async function validationLoss(model: AnyModel, examples: Example[], batchSize = 8): Promise<number> {
  let total = 0;
  for (let i = 0; i < examples.length; i += batchSize) {
    const batch = toBatch(examples.slice(i, i + batchSize), model.config);
    const bits = model.validationLoss(batch.chroma, batch.lightness);
    total += ((await bits.data()) as Float32Array).reduce((a, b) => a + b, 0);
    tf.dispose([batch.lightness, batch.chroma, bits]);
  }
  return total / examples.length;
}

export async function train(options: TrainerOptions): Promise<{ model: AnyModel; state: TrainingState }> {
  if (options.train.length === 0) throw new Error('no training photos could be read');
  let { model, state } = options.start ?? { model: createModel(options.config), state: freshState() };
  const config = model.config;
  const validationExamples = await Promise.all(options.validation.map((photo) => makeExample(photo, centreCrop(photo), config)));
  const startedAt = performance.now();
  const elapsedBefore = state.elapsedSeconds;
  const seconds = () => (performance.now() - startedAt) / 1000;
  const checkpoint = async () => {
    state.elapsedSeconds = elapsedBefore + seconds();
    await saveCheckpoint(model, options.out, state, { ...options.provenance, steps: state.step, trainingSeconds: Math.round(state.elapsedSeconds) });
    options.onEvent({ type: 'checkpoint', step: state.step, dir: options.out });
  };
  // A run always has a checkpoint on disk to roll back to.
  if (!(await isCheckpoint(options.out))) await checkpoint();

  let lastCheckpoint = seconds();
  let rollbacksInARow = 0;
  let injected = false;
  let validationsWithoutGain = 0;
  let reason: 'minutes' | 'steps' | 'cancelled' | 'early-stop' = 'steps';
  let averageStepSeconds = 0;
  const firstStep = state.step;
  let next = trainingExamples(options.train, config, options.seed, state.step, options.batchSize);
  const parallel = (options.workers ?? 1) > 1 ? await DataParallel.start(model, options.workers!) : null;
  /** One optimiser step, on this thread or split across the workers. */
  const step = async (batch: TrainBatch, learningRate: number): Promise<number> => {
    if (!parallel) return model.trainStep(batch, learningRate);
    const chroma = model.dequantise(batch.chroma);
    const { loss, gradients } = await parallel.lossAndGradients(model, batch.lightness, chroma);
    model.adam.apply(gradients, learningRate);
    tf.dispose([chroma, ...gradients]);
    return loss;
  };

  try {
    while (true) {
      if (options.signal?.aborted) { reason = 'cancelled'; break; }
      if (options.maxSteps !== undefined && state.step - firstStep >= options.maxSteps) { reason = 'steps'; break; }
      if (options.minutes !== undefined && seconds() >= options.minutes * 60) { reason = 'minutes'; break; }

      const stepStart = performance.now();
      const examples = await next;
      // Prepare the next batch (sharp, on other threads) while this one trains.
      next = trainingExamples(options.train, config, options.seed, state.step + 1, options.batchSize);
      const batch = toBatch(examples, config);
      if (options.injectNaNAtStep === state.step && !injected) {
        injected = true;
        const poisoned = tf.mul(batch.chroma, NaN) as tf.Tensor4D;
        batch.chroma.dispose();
        batch.chroma = poisoned;
      }
      const learningRate = scheduledLearningRate(options, state.step) * state.learningRateScale;
      const loss = await step(batch, learningRate);
      tf.dispose([batch.lightness, batch.chroma]);

      if (!Number.isFinite(loss)) {
        if (++rollbacksInARow > MAX_ROLLBACKS_IN_A_ROW) throw new Error(`training diverged: ${rollbacksInARow} non-finite losses in a row after rolling back`);
        const failedStep = state.step;
        const scale = state.learningRateScale / 2;
        await next;
        model.dispose();
        ({ model, state } = await loadCheckpoint(options.out));
        state.learningRateScale = scale;
        state.rollbacks.push({ step: failedStep, toStep: state.step, reason: `loss was ${loss}` });
        options.onEvent({ type: 'rollback', step: failedStep, toStep: state.step, learningRateScale: scale, reason: `loss was ${loss}` });
        next = trainingExamples(options.train, config, options.seed, state.step, options.batchSize);
        continue;
      }
      rollbacksInARow = 0;
      state.step++;
      state.losses.push({ step: state.step, loss });
      const stepSeconds = (performance.now() - stepStart) / 1000;
      averageStepSeconds = averageStepSeconds ? 0.9 * averageStepSeconds + 0.1 * stepSeconds : stepSeconds;
      const stepsLeft = options.maxSteps !== undefined ? firstStep + options.maxSteps - state.step : null;
      const secondsLeft = options.minutes !== undefined ? options.minutes * 60 - seconds() : null;
      const eta = [stepsLeft !== null ? stepsLeft * averageStepSeconds : null, secondsLeft].filter((v): v is number => v !== null);
      options.onEvent({
        type: 'step', step: state.step, loss, learningRate,
        imagesPerSecond: options.batchSize / averageStepSeconds,
        etaSeconds: eta.length ? Math.max(0, Math.min(...eta)) : null,
      });

      if (validationExamples.length > 0 && state.step % options.validateEvery === 0) {
        const nll = await validationLoss(model, validationExamples);
        const best = state.bestValidation === null || nll < state.bestValidation;
        state.validation.push({ step: state.step, nll });
        options.onEvent({ type: 'validation', step: state.step, nll, unit: config.kind === 'regression' ? 'MSE' : 'bits/dim', best });
        if (best) {
          state.bestValidation = nll;
          validationsWithoutGain = 0;
          if (options.patience !== undefined) { await checkpoint(); lastCheckpoint = seconds(); }
        } else if (options.patience !== undefined && ++validationsWithoutGain >= options.patience) {
          reason = 'early-stop';
          break;
        }
      }
      if (seconds() - lastCheckpoint >= options.checkpointSeconds) {
        await checkpoint();
        lastCheckpoint = seconds();
      }
    }
  } finally {
    await next.catch(() => undefined);
    await parallel?.close();
  }
  // With early stopping the folder keeps the best validated checkpoint (saved when it was found);
  // otherwise, or when nothing was validated yet, the last state is saved.
  const keepsBest = options.patience !== undefined && state.validation.length > 0;
  if (!keepsBest) await checkpoint();
  options.onEvent({ type: 'done', step: state.step, reason });
  return { model, state };
}
