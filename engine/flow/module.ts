// The one contract every invertible module keeps (DESIGN.md rule 5): forward (x, c) -> (y, logdet)
// and inverse (y, c) -> (x, -logdet), inverse using only forward passes of any subnetwork.
import * as tf from '@tensorflow/tfjs';

export interface FlowResult {
  out: tf.Tensor;
  /** log|det J| per batch element, shape [N]. */
  logdet: tf.Tensor1D;
}

export interface InvertibleModule {
  readonly kind: string;
  /** Per-sample input shape ([H, W, C] for image levels, [D] for flat ones). */
  readonly inShape: number[];
  readonly outShape: number[];
  forward(x: tf.Tensor, condition: tf.Tensor | null): FlowResult;
  inverse(y: tf.Tensor, condition: tf.Tensor | null): FlowResult;
}

export function zeroLogdet(x: tf.Tensor): tf.Tensor1D {
  return tf.zeros([x.shape[0]]) as tf.Tensor1D;
}

/** Sum over every axis but the batch axis. */
export function sumPerSample(x: tf.Tensor): tf.Tensor1D {
  const axes = x.shape.map((_, i) => i).slice(1);
  return tf.sum(x, axes) as tf.Tensor1D;
}

export function batchShape(n: number, shape: number[]): number[] {
  return [n, ...shape];
}
