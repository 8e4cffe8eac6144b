// `polychrome eval`: the paper's protocol on any folder of colour photos. Each photo is centre-
// cropped to a square and resized to the model's condition size; L is taken from it at full
// precision (16-bit), the model's ab (8 samples at T = 1, or the regression's one prediction) is
// upsampled to that size by joint bilateral upsampling guided by L (as the studio's output is),
// recombined with L and compared in RGB [0, 1].
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { RegressionModel } from '../baselines/regression.ts';
import { labToRgb, rgbToLab } from '../color/lab.ts';
import { toSrgb16 } from '../image/decode.ts';
import { jointBilateralUpsample } from '../image/joint-bilateral.ts';
import type { AnyModel } from '../model/model-folder.ts';
import { denormaliseAb } from '../model/normalisation.ts';
import { labExample } from '../training/photos.ts';
import { MetricTotals } from './metrics.ts';

export interface EvalOptions {
  samples: number;
  temperature: number;
  onProgress?: (done: number, total: number, file: string) => void;
  onError?: (message: string) => void;
}

export type EvalResult = ReturnType<MetricTotals['result']>;

/** RGB [0, 1] of the centre square of a photo at size x size, from 16-bit decoding. */
export async function centreSquareRgb(file: string, size: number): Promise<Float32Array> {
  const meta = await sharp(file).metadata();
  const data = await toSrgb16(sharp(file).rotate().removeAlpha(), Boolean(meta.icc))
    .resize(size, size, { fit: 'cover', position: 'centre', kernel: 'lanczos3' })
    .raw({ depth: 'ushort' }).toBuffer();
  const values = new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2);
  return Float32Array.from(values, (v) => v / 65535);
}

/** The model's colourizations of one photo, as RGB at the condition size. */
function colourize(model: AnyModel, lightness: tf.Tensor4D, lab: Float32Array, options: EvalOptions): Float32Array[] {
  const { conditionSize: size, chromaSize: low } = model.config;
  const chroma = tf.tidy(() => denormaliseAb(model.config, model instanceof RegressionModel
    ? model.predict(lightness)
    : model.sample(lightness, Array.from({ length: options.samples }, (_, i) => i + 1), options.temperature).chroma));
  const values = chroma.dataSync() as Float32Array;
  chroma.dispose();
  const guide = new Float32Array(size * size);
  for (let p = 0; p < size * size; p++) guide[p] = lab[p * 3] / 100;
  const count = values.length / (low * low * 2);
  return Array.from({ length: count }, (_, s) => {
    const ab = jointBilateralUpsample(values.subarray(s * low * low * 2, (s + 1) * low * low * 2), low, low, guide, size, size);
    const sampleLab = new Float32Array(size * size * 3);
    for (let p = 0; p < size * size; p++) {
      sampleLab[p * 3] = lab[p * 3];
      sampleLab[p * 3 + 1] = ab[p * 2];
      sampleLab[p * 3 + 2] = ab[p * 2 + 1];
    }
    return labToRgb(sampleLab);
  });
}

export async function evaluate(model: AnyModel, files: string[], options: EvalOptions): Promise<EvalResult> {
  const config = model.config;
  const size = config.conditionSize;
  const totals = new MetricTotals();
  for (const [index, file] of files.entries()) {
    let truth: Float32Array;
    try {
      truth = await centreSquareRgb(file, size);
    } catch (error) {
      options.onError?.(`skipped ${file}: ${(error as Error).message.split('\n')[0]}`);
      continue;
    }
    const lab = rgbToLab(truth);
    const example = labExample(lab, config);
    const lightness = tf.tensor4d(example.lightness, [1, size, size, 1]);
    const samples = colourize(model, lightness, lab, options);
    let nll: number | null = null;
    if (!(model instanceof RegressionModel)) {
      const chroma = tf.tensor4d(example.chroma, [1, config.chromaSize, config.chromaSize, 2]);
      const bits = model.bitsPerDim(chroma, lightness);
      nll = bits.dataSync()[0];
      tf.dispose([chroma, bits]);
    }
    lightness.dispose();
    totals.add(samples, truth, nll);
    options.onProgress?.(index + 1, files.length, file);
  }
  if (totals.images === 0) throw new Error('no photo could be evaluated');
  return totals.result();
}
