import * as tf from '@tensorflow/tfjs';
import { initBackend } from './engine/backend.ts';
import { AffineCoupling } from './engine/flow/coupling.ts';
import { ParamStore } from './engine/flow/params.ts';
import { HaarDownsampling } from './engine/flow/reshaping.ts';
await initBackend();
const N = 16, H = 64, W = 64, C = 32, F = 64;
const store = new ParamStore(0);
const block = new AffineCoupling(store, 'block', { shape: [H, W, 4], conditionChannels: C, hidden: F, clamp: { kind: 'tanh', value: 2 }, sides: 1, batchNorm: true });
const haar = new HaarDownsampling([H, W, 4]);
const x = tf.randomNormal([N, H, W, 4], 0, 1, 'float32', 1);
const c = tf.randomNormal([N, H, W, C], 0, 1, 'float32', 2);
const variables = store.trainable();
const step = () => {
  const { value, grads } = tf.variableGrads(() => tf.tidy(() => {
    const { out, logdet } = block.forward(x, c);
    const z = haar.forward(out, null).out;
    return tf.div(tf.mean(tf.sub(tf.mul(tf.sum(tf.square(z), [1, 2, 3]), 0.5), logdet)), H * W * 4) as tf.Scalar;
  }), variables);
  value.dataSync(); tf.dispose([value, grads]);
};
step();
const info = await tf.profile(step);
const agg = new Map<string, [number, number]>();
for (const k of info.kernels) { const key = k.name + ' ' + JSON.stringify(k.inputShapes); const a = agg.get(key) ?? [0, 0]; a[0] += k.kernelTimeMs as number; a[1]++; agg.set(key, a); }
const rows = [...agg].sort((a, b) => b[1][0] - a[1][0]);
let total = 0; for (const [, [t]] of rows) total += t;
console.log('total', total.toFixed(0));
for (const [k, [t, n]] of rows.slice(0, 30)) console.log(t.toFixed(1).padStart(8), n, k);
