// `polychrome bench engine|train`: speed against peers, printed with ratios.
import { type Command, InvalidArgumentError } from 'commander';
import { benchEngine } from '../../bench/engine-bench.ts';
import { benchTraining } from '../../bench/train-bench.ts';
import { positiveInteger, start } from '../shared.ts';

export function register(program: Command): void {
  program
    .command('bench')
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
}
