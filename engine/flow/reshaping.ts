// Volume-preserving rearrangements: squeeze (space-to-depth), orthonormal Haar downsampling and
// flatten. All have log-det 0.
import * as tf from '@tensorflow/tfjs';
import { type FlowResult, type InvertibleModule, zeroLogdet } from './module.ts';

function spaceToDepth(x: tf.Tensor): tf.Tensor {
  const [n, h, w, c] = x.shape;
  // [N, H/2, 2, W/2, 2, C] -> [N, H/2, W/2, C, 2, 2]: channel c's 2x2 patch stays together.
  const patches = tf.transpose(tf.reshape(x, [n, h / 2, 2, w / 2, 2, c]), [0, 1, 3, 5, 2, 4]);
  return tf.reshape(patches, [n, h / 2, w / 2, c * 4]);
}

function depthToSpace(y: tf.Tensor): tf.Tensor {
  const [n, h2, w2, c4] = y.shape;
  const c = c4 / 4;
  const patches = tf.transpose(tf.reshape(y, [n, h2, w2, c, 2, 2]), [0, 1, 4, 2, 5, 3]);
  return tf.reshape(patches, [n, h2 * 2, w2 * 2, c]);
}

function checkEven(kind: string, shape: number[]): void {
  if (shape.length !== 3 || shape[0] % 2 !== 0 || shape[1] % 2 !== 0) {
    throw new Error(`${kind} needs an [H, W, C] input with even H and W, got [${shape.join(', ')}]`);
  }
}

/** i-RevNet squeeze: each 2x2 patch of a channel becomes 4 channels at half the resolution. */
export class Squeeze implements InvertibleModule {
  readonly kind = 'squeeze';
  readonly outShape: number[];
  constructor(readonly inShape: number[]) {
    checkEven(this.kind, inShape);
    this.outShape = [inShape[0] / 2, inShape[1] / 2, inShape[2] * 4];
  }
  forward(x: tf.Tensor, _condition: tf.Tensor | null = null): FlowResult {
    return { out: spaceToDepth(x), logdet: zeroLogdet(x) };
  }
  inverse(y: tf.Tensor, _condition: tf.Tensor | null = null): FlowResult {
    return { out: depthToSpace(y), logdet: zeroLogdet(y) };
  }
}

// Rows: average, horizontal detail, vertical detail, diagonal detail of a patch [p00, p01, p10, p11].
// Scaled by 1/2 the matrix is orthonormal and symmetric, so it is its own inverse and log|det| = 0.
const HAAR = [
  [1, 1, 1, 1],
  [1, -1, 1, -1],
  [1, 1, -1, -1],
  [1, -1, -1, 1],
].map((row) => row.map((v) => v / 2));

/** Orthonormal Haar wavelet downsampling; output channel c*4+k is component k of input channel c. */
export class HaarDownsampling implements InvertibleModule {
  readonly kind = 'haar';
  readonly outShape: number[];
  constructor(readonly inShape: number[]) {
    checkEven(this.kind, inShape);
    this.outShape = [inShape[0] / 2, inShape[1] / 2, inShape[2] * 4];
  }
  private mix(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.reshape(tf.matMul(tf.reshape(x, [-1, 4]), tf.tensor2d(HAAR)), x.shape));
  }
  forward(x: tf.Tensor, _condition: tf.Tensor | null = null): FlowResult {
    return { out: this.mix(spaceToDepth(x)), logdet: zeroLogdet(x) };
  }
  inverse(y: tf.Tensor, _condition: tf.Tensor | null = null): FlowResult {
    return { out: depthToSpace(this.mix(y)), logdet: zeroLogdet(y) };
  }
}

/** [H, W, C] -> [H*W*C], for the fully connected tail. */
export class Flatten implements InvertibleModule {
  readonly kind = 'flatten';
  readonly outShape: number[];
  constructor(readonly inShape: number[]) {
    this.outShape = [inShape.reduce((a, b) => a * b, 1)];
  }
  forward(x: tf.Tensor, _condition: tf.Tensor | null = null): FlowResult {
    return { out: tf.reshape(x, [x.shape[0], ...this.outShape]), logdet: zeroLogdet(x) };
  }
  inverse(y: tf.Tensor, _condition: tf.Tensor | null = null): FlowResult {
    return { out: tf.reshape(y, [y.shape[0], ...this.inShape]), logdet: zeroLogdet(y) };
  }
}
