// Fixed random orthogonal channel mixing (a 1x1 convolution with an orthogonal matrix). The matrix is
// drawn once from the model's seed and stored with the weights, never re-drawn at load.
import * as tf from '@tensorflow/tfjs';
import { type FlowResult, type InvertibleModule, zeroLogdet } from './module.ts';
import type { ParamStore } from './params.ts';

/** A random orthogonal matrix: Q of the QR decomposition of a Gaussian matrix, signs fixed by R. */
export function randomOrthogonal(size: number, seed: number): tf.Tensor2D {
  return tf.tidy(() => {
    const [q, r] = tf.linalg.qr(tf.randomNormal([size, size], 0, 1, 'float32', seed));
    // Multiplying column j by sign(R_jj) makes the draw uniform over orthogonal matrices.
    const signs = tf.sign(tf.sum(tf.mul(r, tf.eye(size)), 0));
    return tf.mul(q, tf.where(tf.equal(signs, 0), tf.onesLike(signs), signs)) as tf.Tensor2D;
  });
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

  forward(x: tf.Tensor): FlowResult {
    return { out: this.apply(x, false), logdet: zeroLogdet(x) };
  }

  inverse(y: tf.Tensor): FlowResult {
    // Orthogonal: the inverse is the transpose, |det| = 1.
    return { out: this.apply(y, true), logdet: zeroLogdet(y) };
  }
}
