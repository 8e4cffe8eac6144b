// `polychrome eval`: the paper's metrics on a folder of colour photos.
import { type Command, InvalidArgumentError } from 'commander';
import path from 'node:path';
import { evaluate } from '../../eval/evaluate.ts';
import { loadAnyModel } from '../../model/model-folder.ts';
import { listImages } from '../../training/photos.ts';
import { progressBar } from '../progress.ts';
import { MODELS, positiveInteger, positiveNumber, start } from '../shared.ts';

const BASELINES = ['regression', 'no-condnet'];

export function register(program: Command): void {
  program
    .command('eval')
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
}
