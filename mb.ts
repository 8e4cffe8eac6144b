import * as tf from '@tensorflow/tfjs';
import { initBackend } from './engine/backend.ts';
import { medianMs } from './engine/bench/timing.ts';
await initBackend();
const t = async (label: string, f: () => tf.Tensor) => {
  const r = await medianMs(5, () => { const y = f(); y.dataSync(); y.dispose(); });
  console.log(label.padEnd(40), r.ms.toFixed(1), 'ms');
};
const x = tf.randomNormal([16, 64, 64, 64]);
await t('sum 012', () => tf.sum(x, [0,1,2]));
await t('identity', () => tf.clone(x));
await t('fill', () => tf.fill([16,64,64,64], 1));
await t('mm ones', () => tf.matMul(tf.ones([1,1,65536]), tf.reshape(x, [1,65536,64])));
await t('mm ones copy', () => tf.matMul(tf.ones([1,1,65536]), tf.reshape(tf.add(x, 0), [1,65536,64])));
await t('mm ones x as a', () => tf.matMul(tf.reshape(x, [1, 1024, 4096]), tf.ones([1,4096,1])));
