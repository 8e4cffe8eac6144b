// Plain trainable layers (3x3 / 1x1 convolution, dense) with leaky ReLU, for conditioning networks.
import * as tf from '@tensorflow/tfjs';
import { leakyRelu } from './flow/activation.ts';
import type { ParamStore } from './flow/params.ts';

export class Conv {
  private readonly weight: tf.Variable;
  private readonly bias: tf.Variable;
  constructor(store: ParamStore, name: string, size: number, cin: number, cout: number) {
    this.weight = store.create(`${name}.weight`, [size, size, cin, cout], 'he');
    this.bias = store.create(`${name}.bias`, [cout], 'zeros');
  }
  apply(x: tf.Tensor4D, activate = true): tf.Tensor4D {
    const y = tf.add(tf.conv2d(x, this.weight as tf.Tensor4D, 1, 'same'), this.bias) as tf.Tensor4D;
    return activate ? leakyRelu(y) : y;
  }
}

export class Dense {
  private readonly weight: tf.Variable;
  private readonly bias: tf.Variable;
  constructor(store: ParamStore, name: string, din: number, dout: number) {
    this.weight = store.create(`${name}.weight`, [din, dout], 'he');
    this.bias = store.create(`${name}.bias`, [dout], 'zeros');
  }
  apply(x: tf.Tensor2D, activate: boolean): tf.Tensor2D {
    const y = tf.add(tf.matMul(x, this.weight as tf.Tensor2D), this.bias) as tf.Tensor2D;
    return activate ? leakyRelu(y) : y;
  }
}

