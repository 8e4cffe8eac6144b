// The model's normalisation of L and ab (config.normalisation), on tensors: x' = (x - mean) / scale.
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './config.ts';

/** L in 0..100 -> normalised. */
export function normaliseL(config: ModelConfig, lightness: tf.Tensor): tf.Tensor {
  const { mean, scale } = config.normalisation.L;
  return tf.tidy(() => tf.div(tf.sub(lightness, mean), scale));
}

/** ab in CIELAB units [..., 2] -> normalised. */
export function normaliseAb(config: ModelConfig, ab: tf.Tensor): tf.Tensor {
  const { a, b } = config.normalisation;
  return tf.tidy(() => tf.div(tf.sub(ab, [a.mean, b.mean]), [a.scale, b.scale]));
}

/** Normalised ab -> CIELAB units. */
export function denormaliseAb(config: ModelConfig, chroma: tf.Tensor): tf.Tensor {
  const { a, b } = config.normalisation;
  return tf.tidy(() => tf.add(tf.mul(chroma, [a.scale, b.scale]), [a.mean, b.mean]));
}
