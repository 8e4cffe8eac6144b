// `polychrome bench engine|train|colorize`: speed against peers, printed with ratios.
import path from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { benchColorize } from '../../bench/colorize-bench.ts';
import { benchEngine } from '../../bench/engine-bench.ts';
import { benchResponsiveness } from '../../bench/responsiveness-bench.ts';
import { benchTraining } from '../../bench/train-bench.ts';
import { MODELS, positiveInteger, start } from '../shared.ts';

const SUITES = ['engine', 'train', 'colorize', 'responsiveness'];

export function register(program: Command): void {
  program
    .command('bench')
    .description('speed benchmarks, printed with ratios against their peers')
    .argument('<suite>', `which benchmark: ${SUITES.join(', ')}`)
    .option('--runs <n>', 'timed runs per measurement (median is reported)', positiveInteger, 5)
    .option('--batch <n>', 'images per training step (train)', positiveInteger, 8)
    .option('--photo <file>', 'photo to measure (colorize; default: a synthetic 12-megapixel JPEG)')
    .option('--model <dir>', 'model folder (colorize; default: the shipped default model)')
    .option('--seconds <s>', 'length of the measurement during the fine-tune (responsiveness)', positiveInteger, 30)
    .action(async (suite: string, options: { runs: number; batch: number; photo?: string; model?: string; seconds: number }) => {
      if (!SUITES.includes(suite)) throw new InvalidArgumentError(`unknown benchmark "${suite}"; available: ${SUITES.join(', ')}`);
      await start();
      const log = (line: string) => console.log(line);
      if (suite === 'engine') await benchEngine({ runs: options.runs, log });
      else if (suite === 'train') await benchTraining({ runs: options.runs, batch: options.batch, log });
      else if (suite === 'responsiveness') await benchResponsiveness({ seconds: options.seconds, modelsDir: options.model ? path.dirname(path.resolve(options.model)) : MODELS, log });
      else await benchColorize({ runs: options.runs, photo: options.photo, modelDir: options.model ?? path.join(MODELS, 'default'), log });
    });
}
