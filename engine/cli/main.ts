// The `polychrome` command line.
import { Command, InvalidArgumentError } from 'commander';
import { createRequire } from 'node:module';
import { type BackendInfo, initBackend } from '../backend.ts';
import { benchEngine } from '../bench/engine-bench.ts';
import { prepareData } from '../data/prepare.ts';
import { ColorizationModel } from '../model/colorization-model.ts';
import { DEFAULT_CONFIG } from '../model/config.ts';
import { loadModel } from '../model/model-folder.ts';
import { progressBar } from './progress.ts';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

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

program.command('bench')
  .description('speed benchmarks, printed with ratios against their peers')
  .argument('<suite>', 'which benchmark: engine')
  .option('--runs <n>', 'timed runs per measurement (median is reported)', positiveInteger, 5)
  .action(async (suite: string, options: { runs: number }) => {
    if (suite !== 'engine') throw new InvalidArgumentError(`unknown benchmark "${suite}"; available: engine`);
    await start();
    await benchEngine({ runs: options.runs, log: (line) => console.log(line) });
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.stderr.write(`polychrome: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
