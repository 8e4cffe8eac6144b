// The subnetworks that predict (s, t) inside a coupling block: three 3x3 convolutions for image
// levels, three dense layers for the flat tail. The last layer starts at zero so that every block
// starts as the identity.
import * as tf from '@tensorflow/tfjs';
import { leakyRelu } from './activation.ts';
import type { ParamStore } from './params.ts';

const BATCH_NORM_EPSILON = 1e-5;
const RUNNING_MOMENTUM = 0.1;

export interface Subnet {
  apply(input: tf.Tensor): tf.Tensor;
  /** Training uses batch statistics where the subnet has batch norm; inference its running ones. */
  setTraining(training: boolean): void;
}

/** Batch norm over N, H, W with running statistics for inference (only used when asked for). */
class BatchNorm {
  private readonly gamma: tf.Variable;
  private readonly beta: tf.Variable;
  private readonly runningMean: tf.Variable;
  private readonly runningVariance: tf.Variable;

  constructor(store: ParamStore, name: string, channels: number) {
    this.gamma = store.create(`${name}.gamma`, [channels], 'ones');
    this.beta = store.create(`${name}.beta`, [channels], 'zeros');
    this.runningMean = store.create(`${name}.running_mean`, [channels], 'zeros', false);
    this.runningVariance = store.create(`${name}.running_variance`, [channels], 'ones', false);
  }

  apply(x: tf.Tensor, training: boolean): tf.Tensor {
    if (!training) return tf.batchNorm(x, this.runningMean, this.runningVariance, this.beta, this.gamma, BATCH_NORM_EPSILON);
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    tf.tidy(() => {
      this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - RUNNING_MOMENTUM), tf.mul(mean, RUNNING_MOMENTUM)));
      this.runningVariance.assign(tf.add(tf.mul(this.runningVariance, 1 - RUNNING_MOMENTUM), tf.mul(variance, RUNNING_MOMENTUM)));
    });
    return tf.batchNorm(x, mean, variance, this.beta, this.gamma, BATCH_NORM_EPSILON);
  }
}

export interface ConvSubnetOptions {
  inChannels: number;
  hidden: number;
  outChannels: number;
  batchNorm?: boolean;
}

export class ConvSubnet implements Subnet {
  private readonly weights: tf.Variable[] = [];
  private readonly biases: tf.Variable[] = [];
  private readonly norms: BatchNorm[] = [];
  private training = true;

  constructor(store: ParamStore, name: string, options: ConvSubnetOptions) {
    const { inChannels, hidden, outChannels } = options;
    const sizes: Array<[number, number]> = [[inChannels, hidden], [hidden, hidden], [hidden, outChannels]];
    sizes.forEach(([cin, cout], i) => {
      const last = i === sizes.length - 1;
      this.weights.push(store.create(`${name}.conv${i}.weight`, [3, 3, cin, cout], last ? 'zeros' : 'he'));
      this.biases.push(store.create(`${name}.conv${i}.bias`, [cout], 'zeros'));
      if (options.batchNorm && !last) this.norms.push(new BatchNorm(store, `${name}.norm${i}`, cout));
    });
  }

  setTraining(training: boolean): void {
    this.training = training;
  }

  apply(input: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let h = input as tf.Tensor4D;
      this.weights.forEach((w, i) => {
        h = tf.add(tf.conv2d(h, w as tf.Tensor4D, 1, 'same'), this.biases[i]);
        if (i < this.weights.length - 1) {
          if (this.norms[i]) h = this.norms[i].apply(h, this.training) as tf.Tensor4D;
          h = leakyRelu(h);
        }
      });
      return h;
    });
  }
}

export class DenseSubnet implements Subnet {
  private readonly weights: tf.Variable[] = [];
  private readonly biases: tf.Variable[] = [];

  constructor(store: ParamStore, name: string, inDim: number, hidden: number, outDim: number) {
    const sizes: Array<[number, number]> = [[inDim, hidden], [hidden, hidden], [hidden, outDim]];
    sizes.forEach(([din, dout], i) => {
      const last = i === sizes.length - 1;
      this.weights.push(store.create(`${name}.dense${i}.weight`, [din, dout], last ? 'zeros' : 'he'));
      this.biases.push(store.create(`${name}.dense${i}.bias`, [dout], 'zeros'));
    });
  }

  setTraining(): void {}

  apply(input: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let h = input as tf.Tensor2D;
      this.weights.forEach((w, i) => {
        h = tf.add(tf.matMul(h, w as tf.Tensor2D), this.biases[i]);
        if (i < this.weights.length - 1) h = leakyRelu(h);
      });
      return h;
    });
  }
}
