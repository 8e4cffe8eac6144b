// `polychrome data`: prepare the training photos.
import type { Command } from 'commander';
import { prepareData } from '../../data/prepare.ts';
import { progressBar } from '../progress.ts';
import { fraction, positiveInteger } from '../shared.ts';

export function register(program: Command): void {
  program
    .command('data')
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
}
