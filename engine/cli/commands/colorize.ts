// `polychrome colorize` (files or folders into one output folder) and `polychrome batch` (a folder
// tree mirrored, resumable from its manifest).
import { type Command, InvalidArgumentError } from 'commander';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { BatchJob, type BatchItem, type ColorizeSettings, folderBatch, listInputs } from '../../jobs/batch.ts';
import type { OutputFormat } from '../../image/encode.ts';
import { positiveInteger, positiveNumber, start } from '../shared.ts';
import { cancelJobOnInterrupt, jobDisplay, openSession, printReport } from '../studio-shared.ts';

const FORMATS: OutputFormat[] = ['jpeg', 'png', 'tiff', 'webp'];

function format(value: string): OutputFormat {
  const name = value.toLowerCase() === 'jpg' ? 'jpeg' : value.toLowerCase() === 'tif' ? 'tiff' : value.toLowerCase();
  if (!FORMATS.includes(name as OutputFormat)) throw new InvalidArgumentError(`expected one of ${FORMATS.join(', ')}, got "${value}"`);
  return name as OutputFormat;
}

function quality(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > 100) throw new InvalidArgumentError(`expected a whole number from 1 to 100, got "${value}"`);
  return parsed;
}

function wholeNumber(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError(`expected a whole number, got "${value}"`);
  return parsed;
}

interface SharedOptions { samples: number; temperature: number; seed: number; best?: boolean; model?: string; format?: OutputFormat; quality?: number }

function withSharedOptions(command: Command): Command {
  return command
    .option('--samples <n>', 'colorizations per photo', positiveInteger, 1)
    .option('--temperature <t>', 'sampling temperature: lower is safer, higher more varied', positiveNumber, 0.8)
    .option('--seed <s>', 'seed of the first sample (the same seed gives the same colours)', wholeNumber, 1)
    .option('--best', 'write only the most probable of the samples')
    .option('--format <f>', 'output format: jpeg, png, tiff or webp (default: the input\'s, PNG for others)', format)
    .option('--quality <q>', 'JPEG/WebP quality 1-100', quality)
    .option('--model <dir>', 'model folder (default: the shipped default model)');
}

function settingsOf(options: SharedOptions): ColorizeSettings {
  return { samples: options.samples, temperature: options.temperature, seed: options.seed, best: Boolean(options.best), format: options.format, quality: options.quality };
}

/** Files as given; folders contribute their images (recursively), placed by their path inside the folder. */
async function itemsOf(inputs: string[]): Promise<{ items: BatchItem[]; skipped: string[]; missing: string[] }> {
  const items: BatchItem[] = [], skipped: string[] = [], missing: string[] = [];
  for (const input of inputs) {
    const stat = await fs.stat(input).catch(() => null);
    if (stat?.isDirectory()) {
      const { images, others } = await listInputs(input);
      items.push(...images.map((file) => ({ file, relative: path.relative(input, file) })));
      skipped.push(...others);
    } else if (stat) {
      items.push({ file: input, relative: path.basename(input) });
    } else {
      missing.push(input);
    }
  }
  return { items, skipped, missing };
}

export function register(program: Command): void {
  withSharedOptions(program
    .command('colorize')
    .description('colorize photos: N samples of each (or the most probable) at full resolution')
    .argument('<inputs...>', 'photo files or folders')
    .requiredOption('--out <dir>', 'output folder (existing files are never overwritten)'))
    .action(async (inputs: string[], options: SharedOptions & { out: string }) => {
      await start();
      const { items, skipped, missing } = await itemsOf(inputs);
      const { session, modelName } = await openSession(options.model);
      await fs.mkdir(options.out, { recursive: true });
      const display = jobDisplay('colorizing');
      // A missing path is a per-file error like any unreadable photo: reported, the rest go on.
      const job = new BatchJob(session, [...items, ...missing.map((file) => ({ file, relative: path.basename(file) }))], path.resolve(options.out), settingsOf(options), { skipped, modelName, onEvent: display.onEvent });
      const release = cancelJobOnInterrupt(job);
      const report = await job.run();
      release();
      display.stop();
      for (const output of report.outputs) console.log(output);
      printReport(report);
    });

  withSharedOptions(program
    .command('batch')
    .description('colorize a folder tree into a mirrored tree; a killed or stopped run continues with --resume')
    .argument('<input>', 'folder of photos (searched recursively)')
    .requiredOption('--out <dir>', 'output folder (gets a manifest, polychrome-batch.json)')
    .option('--resume', 'continue the batch recorded in the output folder'))
    .action(async (input: string, options: SharedOptions & { out: string; resume?: boolean }) => {
      await start();
      const { session, modelName } = await openSession(options.model);
      const display = jobDisplay('batch');
      const job = await folderBatch(session, { ...settingsOf(options), input, output: options.out, resume: Boolean(options.resume) }, { modelName, onEvent: display.onEvent });
      const release = cancelJobOnInterrupt(job);
      const report = await job.run();
      release();
      display.stop();
      printReport(report);
    });
}
