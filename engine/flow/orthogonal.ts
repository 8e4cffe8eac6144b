// Fixed random orthogonal channel mixing (a 1x1 convolution with an orthogonal matrix). The matrix is
// drawn once from the model's seed and stored with the weights, never re-drawn at load.
import * as tf from '@tensorflow/tfjs';
import { type FlowResult, type InvertibleModule, zeroLogdet } from './module.ts';
import type { ParamStore } from './params.ts';

/**
 * A random orthogonal matrix, uniform over the orthogonal group: Gram-Schmidt (twice, in float64)
 * on the columns of a seeded Gaussian matrix. Done in JS because tf.linalg.qr builds the
 * decomposition from thousands of tiny ops and takes seconds for the 512 x 512 tail.
 */
export function randomOrthogonal(size: number, seed: number): tf.Tensor2D {
  const gaussian = tf.tidy(() => tf.randomNormal([size, size], 0, 1, 'float32', seed).dataSync());
  // columns[j] is column j of the matrix.
  const columns = Array.from({ length: size }, (_, j) => Float64Array.from({ length: size }, (_, i) => gaussian[i * size + j]));
  for (let j = 0; j < size; j++) {
    const v = columns[j];
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        const q = columns[k];
        let dot = 0;
        for (let i = 0; i < size; i++) dot += q[i] * v[i];
        for (let i = 0; i < size; i++) v[i] -= dot * q[i];
      }
    }
    let norm = 0;
    for (let i = 0; i < size; i++) norm += v[i] * v[i];
    norm = Math.sqrt(norm);
    for (let i = 0; i < size; i++) v[i] /= norm;
  }
  const values = new Float32Array(size * size);
  columns.forEach((column, j) => column.forEach((value, i) => { values[i * size + j] = value; }));
  return tf.tensor2d(values, [size, size]);
}

export class OrthogonalMixing implements InvertibleModule {
  readonly kind = 'orthogonal';
  readonly outShape: number[];
  private readonly matrix: tf.Variable;

  constructor(store: ParamStore, name: string, readonly inShape: number[]) {
    this.outShape = inShape;
    const channels = inShape[inShape.length - 1];
    this.matrix = store.create(`${name}.matrix`, [channels, channels], (seed) => randomOrthogonal(channels, seed), false);
  }

  private apply(x: tf.Tensor, transposed: boolean): tf.Tensor {
    const channels = this.matrix.shape[0];
    return tf.tidy(() => tf.reshape(tf.matMul(tf.reshape(x, [-1, channels]), this.matrix, false, transposed), x.shape));
  }

  forward(x: tf.Tensor, _condition: tf.Tensor | null = null): FlowResult {
    return { out: this.apply(x, false), logdet: zeroLogdet(x) };
  }

  inverse(y: tf.Tensor, _condition: tf.Tensor | null = null): FlowResult {
    // Orthogonal: the inverse is the transpose, |det| = 1.
    return { out: this.apply(y, true), logdet: zeroLogdet(y) };
  }
}
