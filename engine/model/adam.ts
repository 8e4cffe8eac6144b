// Adam with decoupled weight decay (AdamW). Written out rather than tf.train.adam so its state
// (moments and step count) can be saved with a checkpoint, and fused: all parameters are updated as
// one flat vector, a dozen kernels per step instead of a dozen per parameter tensor.
import * as tf from '@tensorflow/tfjs';

export interface AdamSettings {
  learningRate: number;
  weightDecay: number;
  beta1: number;
  beta2: number;
  epsilon?: number;
}

export class Adam {
  private readonly first: tf.Variable;
  private readonly second: tf.Variable;
  private readonly sizes: number[];
  step = 0;

  constructor(private readonly variables: tf.Variable[], private readonly settings: AdamSettings) {
    this.sizes = variables.map((v) => v.size);
    const total = this.sizes.reduce((a, b) => a + b, 0);
    this.first = tf.variable(tf.zeros([total]), false);
    this.second = tf.variable(tf.zeros([total]), false);
  }

  /** Applies one update; gradients are in the order of the variables given to the constructor. */
  apply(gradients: tf.Tensor[], learningRate = this.settings.learningRate): void {
    const { beta1, beta2, weightDecay, epsilon = 1e-8 } = this.settings;
    this.step++;
    const correction1 = 1 - beta1 ** this.step;
    const correction2 = 1 - beta2 ** this.step;
    tf.tidy(() => {
      const flatten = (tensors: tf.Tensor[]) => tf.concat(tensors.map((t) => tf.reshape(t, [-1])));
      const g = flatten(gradients);
      const m = tf.add(tf.mul(this.first, beta1), tf.mul(g, 1 - beta1));
      const v = tf.add(tf.mul(this.second, beta2), tf.mul(tf.square(g), 1 - beta2));
      this.first.assign(m);
      this.second.assign(v);
      const step = tf.div(tf.mul(m, learningRate / correction1), tf.add(tf.sqrt(tf.div(v, correction2)), epsilon));
      const decayed = tf.mul(flatten(this.variables), 1 - learningRate * weightDecay);
      const updated = tf.sub(decayed, step);
      // Slices one by one: wasm's SplitV into a hundred parts is far slower than a hundred slices.
      let offset = 0;
      this.variables.forEach((variable, i) => {
        variable.assign(tf.reshape(tf.slice(updated, offset, this.sizes[i]), variable.shape));
        offset += this.sizes[i];
      });
    });
  }

  /** Moments and step count, for checkpoints. */
  async state(): Promise<{ step: number; first: Float32Array; second: Float32Array }> {
    return { step: this.step, first: (await this.first.data()) as Float32Array, second: (await this.second.data()) as Float32Array };
  }

  restore(state: { step: number; first: Float32Array; second: Float32Array }): void {
    if (state.first.length !== this.first.size || state.second.length !== this.second.size) {
      throw new Error(`optimiser state has ${state.first.length} values, the model has ${this.first.size} parameters`);
    }
    this.step = state.step;
    this.first.assign(tf.tensor1d(state.first));
    this.second.assign(tf.tensor1d(state.second));
  }

  dispose(): void {
    this.first.dispose();
    this.second.dispose();
  }
}
