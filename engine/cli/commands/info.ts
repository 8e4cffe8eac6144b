// `polychrome info`: the engine backend and a model's architecture.
import type { Command } from 'commander';
import { ColorizationModel } from '../../model/colorization-model.ts';
import { DEFAULT_CONFIG } from '../../model/config.ts';
import { loadModel } from '../../model/model-folder.ts';
import { start } from '../shared.ts';

export function register(program: Command): void {
  program
    .command('info')
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
}
