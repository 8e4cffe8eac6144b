import * as tf from '@tensorflow/tfjs';
import { initBackend } from './engine/backend.ts';
import { ColorizationModel } from './engine/model/colorization-model.ts';
import { makeConfig } from './engine/model/config.ts';
await initBackend();
const CONFIG = makeConfig({
  chromaSize: 8, conditionSize: 16,
  levels: [ { downsample: 'none', blocks: 2, hidden: 16, split: 0 }, { downsample: 'squeeze', blocks: 2, hidden: 16, split: 0.5 } ],
  tail: { downsample: 'haar', split: 0.5, blocks: 4, hidden: 64 },
  condition: { kind: 'conv', stemWidth: 8, widths: [8, 8], levelChannels: [4, 4], globalDim: 8 },
});
const model = new ColorizationModel(CONFIG);
const chroma = tf.randomNormal([16, 8, 8, 2]) as tf.Tensor4D; const lightness = tf.randomNormal([16, 16, 16, 1]) as tf.Tensor4D;
model.trainStep({ chroma, lightness });
let t0 = performance.now(); for (let i = 0; i < 10; i++) model.trainStep({ chroma, lightness }); console.log('step ms', (performance.now() - t0) / 10);
const info = await tf.profile(() => { model.trainStep({ chroma, lightness }); });
const agg = new Map<string, [number, number]>();
for (const k of info.kernels) { const a = agg.get(k.name) ?? [0, 0]; a[0] += k.kernelTimeMs as number; a[1]++; agg.set(k.name, a); }
const rows = [...agg].sort((a, b) => b[1][0] - a[1][0]);
let total = 0, n = 0; for (const [, [t, c]] of rows) { total += t; n += c; }
console.log('kernels', n, 'kernel ms', total.toFixed(1));
for (const [k, [t, c]] of rows.slice(0, 25)) console.log(t.toFixed(1).padStart(8), String(c).padStart(5), k);
