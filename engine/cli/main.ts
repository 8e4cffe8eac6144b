// The `polychrome` command line.
import { Command, InvalidArgumentError } from 'commander';
import { createRequire } from 'node:module';
import { type BackendInfo, initBackend } from '../backend.ts';
import { benchEngine } from '../bench/engine-bench.ts';
import { benchTraining } from '../bench/train-bench.ts';
import { prepareData } from '../data/prepare.ts';
import { ColorizationModel } from '../model/colorization-model.ts';
import { DEFAULT_CONFIG } from '../model/config.ts';
import { loadAnyModel, loadModel } from '../model/model-folder.ts';
import { evaluate } from '../eval/evaluate.ts';
import { listImages } from '../training/photos.ts';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import path from 'node:path';
import { runFinetune, runTraining } from '../training/run.ts';
import type { TrainEvent } from '../training/trainer.ts';
import { progressBar } from './progress.ts';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };
const MODELS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../resources/models');
const BASELINES = ['regression', 'no-condnet'];
/** Data-parallel workers by default where there are cores for them (see `polychrome bench train`). */
const DEFAULT_WORKERS = Math.min(2, os.availableParallelism());

/** Starts the backend and prints the banner on stderr, so stdout stays clean for --json output. */
async function start(): Promise<BackendInfo> {
  const backend = await initBackend();
  process.stderr.write(`Polychrome ${version} · engine backend: ${backend.label}\n`);
  return backend;
}

function fraction(value: string): number {
  const parsed = Number(value);
  if (!(parsed > 0 && parsed < 1)) throw new InvalidArgumentError(`expected a number between 0 and 1, got "${value}"`);
  return parsed;
}

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new InvalidArgumentError(`expected a positive whole number, got "${value}"`);
  return parsed;
}

const program = new Command()
  .name('polychrome')
  .description('Polychrome: diverse colorizations of grayscale photos with a conditional invertible neural network')
  .version(version);

program.command('info')
  .description('show the engine backend and a model\'s architecture')
  .option('--model <dir>', 'model folder (default: a fresh default-size model)')
  .action(async (options: { model?: string }) => {
    const backend = await start();
    const model = options.model ? await loadModel(options.model) : new ColorizationModel(DEFAULT_CONFIG);
    const { config } = model;
    console.log(`backend:     ${backend.name} (${backend.label})`);
    for (const reason of backend.skipped) console.log(`  passed over: ${reason}`);
    console.log(`model:       ${options.model ?? 'default architecture, untrained'}`);
    console.log(`parameters:  ${model.store.parameterCount().toLocaleString('en')}`);
    console.log(`chroma:      ab at ${config.chromaSize}x${config.chromaSize}, condition L at ${config.conditionSize}x${config.conditionSize}`);
    console.log(`levels:      ${config.levels.map((l) => `${l.blocks} blocks (hidden ${l.hidden})`).join(', ')}, tail ${config.tail.blocks} dense blocks (hidden ${config.tail.hidden})`);
    console.log(`latent:      parts of ${model.flow.latentSizes.join(' + ')} = ${model.dims} dimensions`);
    model.dispose();
  });

program.command('data')
  .description('fetch the Debian photo packages (apt-get), extract, downscale and split them into train/ and validation/')
  .requiredOption('--out <dir>', 'folder for the prepared photos')
  .option('--cache <dir>', 'where downloaded packages are kept (default: <out>/.packages)')
  .option('--long-side <px>', 'downscale photos to at most this long side', positiveInteger, 512)
  .option('--validation <fraction>', 'share of photos held out for validation', fraction, 0.1)
  .option('--seed <n>', 'seed of the train/validation split', positiveInteger, 1)
  .action(async (options: { out: string; cache?: string; longSide: number; validation: number; seed: number }) => {
    const bar = progressBar('photos');
    const photos = await prepareData({
      out: options.out,
      cache: options.cache ?? `${options.out}/.packages`,
      longSide: options.longSide,
      validationFraction: options.validation,
      seed: options.seed,
      log: (line) => process.stderr.write(`${line}\n`),
      onProgress: (done, total, name) => bar.update(done, total, name),
    });
    bar.stop();
    const validation = photos.filter((p) => p.split === 'validation').length;
    console.log(`${photos.length} photos: ${photos.length - validation} in ${options.out}/train, ${validation} in ${options.out}/validation; credits in ${options.out}/CREDITS.md`);
  });

function positiveNumber(value: string): number {
  const parsed = Number(value);
  if (!(parsed > 0)) throw new InvalidArgumentError(`expected a positive number, got "${value}"`);
  return parsed;
}

/** Ctrl-C stops training after the current step and saves a checkpoint; a second Ctrl-C quits. */
function cancelOnInterrupt(): AbortController {
  const controller = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write('\nstopping after this step and saving a checkpoint (Ctrl-C again to quit now)\n');
    controller.abort();
    process.once('SIGINT', () => process.exit(130));
  });
  return controller;
}

function formatDuration(seconds: number | null): string {
  if (seconds === null) return '?';
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** Shows training events: a bar over steps or minutes, validation and rollbacks as lines. */
function trainingDisplay(minutes?: number, steps?: number) {
  const bar = progressBar('training', ' {bar} {percentage}% | step {step} | loss {loss} bits/dim | {rate} img/s | ETA {remaining}');
  const started = Date.now();
  let lastLoss = NaN;
  return (event: TrainEvent) => {
    if (event.type === 'step') {
      lastLoss = event.loss;
      const done = steps !== undefined ? Math.min(steps, event.step) : Math.min(1, (Date.now() - started) / 60_000 / (minutes ?? Infinity));
      const total = steps !== undefined ? steps : 1;
      bar.update(steps !== undefined ? done : Math.round(done * 1000), steps !== undefined ? total : 1000, {
        step: event.step, loss: lastLoss.toFixed(3), rate: event.imagesPerSecond.toFixed(2), remaining: formatDuration(event.etaSeconds),
      });
    } else if (event.type === 'validation') {
      process.stderr.write(`\nvalidation NLL at step ${event.step}: ${event.nll.toFixed(3)} bits/dim${event.best ? ' (best so far)' : ''}\n`);
    } else if (event.type === 'rollback') {
      process.stderr.write(`\nnon-finite loss at step ${event.step}: rolled back to the checkpoint of step ${event.toStep}, learning rate x${event.learningRateScale}\n`);
    } else if (event.type === 'done') {
      bar.stop();
      console.log(`stopped at step ${event.step} (${event.reason})`);
    }
  };
}

program.command('train')
  .description('train a colorization model on a folder of colour photos (resumable)')
  .requiredOption('--data <dir>', 'photos: a folder with train/ and validation/ (from `polychrome data`) or any folder of colour photos')
  .requiredOption('--out <dir>', 'model folder to create (or to continue with --resume)')
  .option('--resume', 'continue from the checkpoint in --out')
  .option('--minutes <m>', 'stop after this many minutes', positiveNumber)
  .option('--steps <n>', 'stop after this many steps', positiveInteger)
  .option('--config <file>', 'JSON with changes to the default architecture and settings')
  .option('--batch <n>', 'images per step', positiveInteger, 8)
  .option('--workers <n>', 'training threads (data-parallel worker threads when more than 1)', positiveInteger, DEFAULT_WORKERS)
  .action(async (options: { data: string; out: string; resume?: boolean; minutes?: number; steps?: number; config?: string; batch: number; workers: number }) => {
    await start();
    const controller = cancelOnInterrupt();
    await runTraining({
      data: options.data, out: options.out, resume: Boolean(options.resume), minutes: options.minutes, steps: options.steps,
      configFile: options.config, batchSize: options.batch, workers: options.workers, signal: controller.signal,
      onEvent: trainingDisplay(options.minutes, options.steps),
      onWarning: (message) => process.stderr.write(`${message}\n`),
    });
    console.log(`model saved in ${options.out}`);
  });

program.command('finetune')
  .description('fine-tune a model on a folder of your own colour photos (early stopping keeps the best)')
  .requiredOption('--model <dir>', 'model to start from')
  .requiredOption('--data <dir>', 'folder of your colour photos')
  .requiredOption('--out <dir>', 'new model folder')
  .option('--minutes <m>', 'stop after this many minutes', positiveNumber, 10)
  .option('--steps <n>', 'stop after this many steps', positiveInteger)
  .option('--batch <n>', 'images per step', positiveInteger, 8)
  .option('--workers <n>', 'training threads (data-parallel worker threads when more than 1)', positiveInteger, DEFAULT_WORKERS)
  .action(async (options: { model: string; data: string; out: string; minutes: number; steps?: number; batch: number; workers: number }) => {
    await start();
    const controller = cancelOnInterrupt();
    await runFinetune({
      model: options.model, data: options.data, out: options.out, minutes: options.minutes, steps: options.steps,
      batchSize: options.batch, workers: options.workers, signal: controller.signal,
      onEvent: trainingDisplay(options.minutes, options.steps),
      onWarning: (message) => process.stderr.write(`${message}\n`),
    });
    console.log(`fine-tuned model saved in ${options.out}`);
  });

program.command('eval')
  .description('evaluate a model on a folder of colour photos with the paper\'s metrics')
  .requiredOption('--data <dir>', 'folder of colour photos (any size, JPEG/PNG/...)')
  .option('--model <dir>', 'model folder (default: the shipped default model, or the chosen baseline)')
  .option('--baseline <name>', `evaluate a baseline instead: ${BASELINES.join(' or ')}`)
  .option('--samples <n>', 'samples per photo', positiveInteger, 8)
  .option('--temperature <t>', 'sampling temperature', positiveNumber, 1)
  .option('--json', 'print exactly one JSON object with the metrics')
  .action(async (options: { data: string; model?: string; baseline?: string; samples: number; temperature: number; json?: boolean }) => {
    if (options.baseline && !BASELINES.includes(options.baseline)) throw new InvalidArgumentError(`unknown baseline "${options.baseline}"; available: ${BASELINES.join(', ')}`);
    await start();
    const dir = options.model ?? path.join(MODELS, options.baseline ? `baselines/${options.baseline}` : 'default');
    const model = await loadAnyModel(dir);
    const files = await listImages(options.data);
    if (files.length === 0) throw new Error(`no images found in ${options.data}`);
    const bar = progressBar('evaluating');
    const result = await evaluate(model, files, {
      samples: options.samples, temperature: options.temperature,
      onProgress: (done, total, file) => bar.update(done, total, path.basename(file)),
      onError: (message) => process.stderr.write(`\n${message}\n`),
    });
    bar.stop();
    model.dispose();
    if (options.json) {
      console.log(JSON.stringify(result));
      return;
    }
    console.log(`model ${dir} on ${result.images} photos of ${options.data}`);
    console.log(`best-of-${options.samples} RMS x100   ${result.best_of_8_rms.toFixed(2)}`);
    console.log(`single-sample RMS x100  ${result.single_rms.toFixed(2)}`);
    console.log(`sample variance x1e4    ${result.variance.toFixed(2)}`);
    console.log(`colourfulness           ${result.colourfulness.toFixed(2)} (ground truth ${result.colourfulness_truth.toFixed(2)})`);
    console.log(`NLL                     ${result.nll_bpd === null ? 'n/a (regression)' : `${result.nll_bpd.toFixed(3)} bits/dim`}`);
  });

program.command('bench')
  .description('speed benchmarks, printed with ratios against their peers')
  .argument('<suite>', 'which benchmark: engine or train')
  .option('--runs <n>', 'timed runs per measurement (median is reported)', positiveInteger, 5)
  .option('--batch <n>', 'images per training step (train)', positiveInteger, 8)
  .action(async (suite: string, options: { runs: number; batch: number }) => {
    if (suite !== 'engine' && suite !== 'train') throw new InvalidArgumentError(`unknown benchmark "${suite}"; available: engine, train`);
    await start();
    const log = (line: string) => console.log(line);
    if (suite === 'engine') await benchEngine({ runs: options.runs, log });
    else await benchTraining({ runs: options.runs, batch: options.batch, log });
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.stderr.write(`polychrome: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
