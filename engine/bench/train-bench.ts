// `polychrome bench train`: training throughput of the default model with one thread and with
// worker threads, in the same run, on the same synthetic batches (data loading excluded).
import * as tf from '@tensorflow/tfjs';
import os from 'node:os';
import { currentBackend } from '../backend.ts';
import { ColorizationModel } from '../model/colorization-model.ts';
import { DEFAULT_CONFIG } from '../model/config.ts';
import { DataParallel } from '../training/parallel.ts';
import { medianMs } from './timing.ts';

export async function benchTraining(options: { runs: number; batch: number; log: (line: string) => void }): Promise<void> {
  const { runs, batch, log } = options;
  const config = DEFAULT_CONFIG;
  log(`training benchmark on ${currentBackend()?.label ?? tf.getBackend()}, ${os.cpus().length} cores, default model, batch ${batch}`);
  const model = new ColorizationModel(config);
  const lightness = tf.randomUniform([batch, config.conditionSize, config.conditionSize, 1], -1, 1, 'float32', 1) as tf.Tensor4D;
  const chroma = tf.randomNormal([batch, config.chromaSize, config.chromaSize, 2], 0, 1, 'float32', 2) as tf.Tensor4D;

  const inThread = await medianMs(runs, () => { model.trainStep({ lightness, chroma }); });
  const results: Array<[string, number]> = [['1 thread (in process)', batch / (inThread.ms / 1000)]];
  for (const workers of [1, 2]) {
    const parallel = await DataParallel.start(model, workers);
    const timing = await medianMs(runs, async () => {
      const noisy = model.dequantise(chroma);
      const { gradients } = await parallel.lossAndGradients(model, lightness, noisy);
      model.adam.apply(gradients);
      tf.dispose([noisy, ...gradients]);
    });
    await parallel.close();
    results.push([`${workers} worker thread${workers > 1 ? 's' : ''}`, batch / (timing.ms / 1000)]);
  }
  for (const [label, imagesPerSecond] of results) {
    log(`[train ${label}] ${imagesPerSecond.toFixed(2)} images/s (${(1000 / imagesPerSecond).toFixed(0)} ms/img), ${(imagesPerSecond / results[0][1]).toFixed(2)}x one thread`);
  }
  model.dispose();
  tf.dispose([lightness, chroma]);
}
