// The `polychrome` command line: one module per command under commands/.
import { Command } from 'commander';
import * as bench from './commands/bench.ts';
import * as colorize from './commands/colorize.ts';
import * as data from './commands/data.ts';
import * as evaluation from './commands/eval.ts';
import * as info from './commands/info.ts';
import * as serve from './commands/serve.ts';
import * as interpolate from './commands/interpolate.ts';
import * as training from './commands/train.ts';
import * as transfer from './commands/transfer.ts';
import { version } from './shared.ts';

const program = new Command()
  .name('polychrome')
  .description('Polychrome: diverse colorizations of grayscale photos with a conditional invertible neural network')
  .version(version);
for (const command of [info, serve, colorize, transfer, interpolate, data, training, evaluation, bench]) command.register(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.stderr.write(`polychrome: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
