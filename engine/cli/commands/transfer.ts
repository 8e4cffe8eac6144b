// `polychrome transfer`: the colours of a reference photo onto other photos.
import { type Command, InvalidArgumentError } from 'commander';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { extensionFor, formatForPath } from '../../image/encode.ts';
import { exportSample } from '../../studio/export.ts';
import { progressBar } from '../progress.ts';
import { start } from '../shared.ts';
import { EXIT, openSession } from '../studio-shared.ts';

function unitInterval(value: string): number {
  const parsed = Number(value);
  if (!(parsed >= 0 && parsed <= 1)) throw new InvalidArgumentError(`expected a number from 0 to 1, got "${value}"`);
  return parsed;
}

function levels(value: string): number[] {
  return value.split(',').map((part) => unitInterval(part.trim()));
}

export function register(program: Command): void {
  program
    .command('transfer')
    .description('colorize photos with the colours of a reference colour photo')
    .requiredOption('--reference <file>', 'colour photo whose colours to take')
    .argument('<files...>', 'photos to colorize')
    .requiredOption('--out <dir>', 'output folder (existing files are never overwritten)')
    .option('--strength <s>', '0: an ordinary sample ... 1: global colour from the reference, fine detail free', unitInterval, 1)
    .option('--levels <list>', 'experts: freedom per latent level, finest first, e.g. 1,0.7,0,0 (0: from the reference, 1: free); overrides --strength', levels)
    .option('--seed <s>', 'seed of the free part', (v: string) => Number.parseInt(v, 10), 1)
    .option('--model <dir>', 'model folder (default: the shipped default model)')
    .action(async (files: string[], options: { reference: string; out: string; strength: number; levels?: number[]; seed: number; model?: string }) => {
      await start();
      const { session, modelName } = await openSession(options.model);
      const parts = session.model.flow.latentShapes.length;
      if (options.levels && options.levels.length !== parts) throw new InvalidArgumentError(`--levels needs ${parts} values for this model, got ${options.levels.length}`);
      const reference = await session.open(options.reference);
      if (!reference.source.colour) throw new Error(`${options.reference} is a grayscale photo: a colour reference is needed`);
      await fs.mkdir(options.out, { recursive: true });
      const bar = progressBar('transferring', ' {bar} {percentage}% | {value}/{total} | {detail}');
      const referenceName = path.parse(options.reference).name;
      let failed = 0;
      for (const [i, file] of files.entries()) {
        bar.update(i, files.length, path.basename(file));
        try {
          const photo = await session.open(file);
          const sample = session.transfer(photo.id, reference.id, { strength: options.strength, freedom: options.levels, seed: options.seed });
          const format = formatForPath(file) ?? 'png';
          const target = path.join(options.out, `${path.parse(file).name}-from-${referenceName}${extensionFor(format)}`);
          console.log(await exportSample(session, photo.id, sample.id, target, { format, modelName }));
          session.close(photo.id);
        } catch (error) {
          failed++;
          process.stderr.write(`\nerror: ${(error as Error).message.split('\n')[0]}\n`);
        }
      }
      bar.update(files.length, files.length, '');
      bar.stop();
      process.exitCode = failed ? EXIT.someFilesFailed : EXIT.ok;
    });
}
