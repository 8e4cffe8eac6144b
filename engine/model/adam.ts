// Adam with decoupled weight decay (AdamW). Written out rather than tf.train.adam so its state
// (moments and step count) can be saved with a checkpoint and the decay is applied as intended.
import * as tf from '@tensorflow/tfjs';

export interface AdamSettings {
  learningRate: number;
  weightDecay: number;
  beta1: number;
  beta2: number;
  epsilon?: number;
}

export class Adam {
  private readonly first: tf.Variable[];
  private readonly second: tf.Variable[];
  step = 0;

  constructor(private readonly variables: tf.Variable[], private readonly settings: AdamSettings) {
    this.first = variables.map((v) => tf.variable(tf.zerosLike(v), false));
    this.second = variables.map((v) => tf.variable(tf.zerosLike(v), false));
  }

  /** Applies one update; gradients are in the order of the variables given to the constructor. */
  apply(gradients: tf.Tensor[], learningRate = this.settings.learningRate): void {
    const { beta1, beta2, weightDecay, epsilon = 1e-8 } = this.settings;
    this.step++;
    const correction1 = 1 - beta1 ** this.step;
    const correction2 = 1 - beta2 ** this.step;
    tf.tidy(() => {
      this.variables.forEach((variable, i) => {
        const g = gradients[i];
        const m = tf.add(tf.mul(this.first[i], beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(this.second[i], beta2), tf.mul(tf.square(g), 1 - beta2));
        this.first[i].assign(m);
        this.second[i].assign(v);
        const update = tf.div(tf.div(m, correction1), tf.add(tf.sqrt(tf.div(v, correction2)), epsilon));
        const decayed = weightDecay > 0 ? tf.mul(variable, 1 - learningRate * weightDecay) : variable;
        variable.assign(tf.sub(decayed, tf.mul(update, learningRate)));
      });
    });
  }

  dispose(): void {
    for (const t of [...this.first, ...this.second]) t.dispose();
  }
}
