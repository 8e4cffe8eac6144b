// `polychrome train` and `polychrome finetune`.
import type { Command } from 'commander';
import { runFinetune, runTraining } from '../../training/run.ts';
import { defaultWorkers, positiveInteger, positiveNumber, start } from '../shared.ts';
import { cancelOnInterrupt, trainingDisplay } from '../training-display.ts';

export function register(program: Command): void {
  program
    .command('train')
    .description('train a colorization model on a folder of colour photos (resumable)')
    .requiredOption('--data <dir>', 'photos: a folder with train/ and validation/ (from `polychrome data`) or any folder of colour photos')
    .requiredOption('--out <dir>', 'model folder to create (or to continue with --resume)')
    .option('--resume', 'continue from the checkpoint in --out')
    .option('--minutes <m>', 'stop after this many minutes', positiveNumber)
    .option('--steps <n>', 'stop after this many steps', positiveInteger)
    .option('--config <file>', 'JSON with changes to the default architecture and settings')
    .option('--batch <n>', 'images per step', positiveInteger, 8)
    .option('--workers <n>', 'training threads; more than 1 splits each batch across worker threads (default: 2 for batches of 16 or more, else 1)', positiveInteger)
    .action(async (options: { data: string; out: string; resume?: boolean; minutes?: number; steps?: number; config?: string; batch: number; workers?: number }) => {
      await start();
      const controller = cancelOnInterrupt();
      await runTraining({
        data: options.data, out: options.out, resume: Boolean(options.resume), minutes: options.minutes, steps: options.steps,
        configFile: options.config, batchSize: options.batch, workers: options.workers ?? defaultWorkers(options.batch), signal: controller.signal,
        onEvent: trainingDisplay(options.minutes, options.steps),
        onWarning: (message) => process.stderr.write(`${message}\n`),
      });
      console.log(`model saved in ${options.out}`);
    });

  program
    .command('finetune')
    .description('fine-tune a model on a folder of your own colour photos (early stopping keeps the best)')
    .requiredOption('--model <dir>', 'model to start from')
    .requiredOption('--data <dir>', 'folder of your colour photos')
    .requiredOption('--out <dir>', 'new model folder')
    .option('--minutes <m>', 'stop after this many minutes', positiveNumber, 10)
    .option('--steps <n>', 'stop after this many steps', positiveInteger)
    .option('--batch <n>', 'images per step', positiveInteger, 8)
    .option('--workers <n>', 'training threads; more than 1 splits each batch across worker threads (default: 2 for batches of 16 or more, else 1)', positiveInteger)
    .action(async (options: { model: string; data: string; out: string; minutes: number; steps?: number; batch: number; workers?: number }) => {
      await start();
      const controller = cancelOnInterrupt();
      await runFinetune({
        model: options.model, data: options.data, out: options.out, minutes: options.minutes, steps: options.steps,
        batchSize: options.batch, workers: options.workers ?? defaultWorkers(options.batch), signal: controller.signal,
        onEvent: trainingDisplay(options.minutes, options.steps),
        onWarning: (message) => process.stderr.write(`${message}\n`),
      });
      console.log(`fine-tuned model saved in ${options.out}`);
    });
}
