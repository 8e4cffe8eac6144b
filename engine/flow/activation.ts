// Leaky ReLU with a cheaper gradient: dy * step(x, alpha). tfjs's own gradient builds a boolean
// mask with Greater and a Select, which on wasm costs three times the activation itself.
import * as tf from '@tensorflow/tfjs';

export const LEAK = 0.1;

const withStepGradient = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x]);
  return {
    value: tf.leakyRelu(x, LEAK),
    gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => tf.mul(dy, tf.step(saved, LEAK)),
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

export function leakyRelu<T extends tf.Tensor>(x: T): T {
  return withStepGradient(x) as T;
}
