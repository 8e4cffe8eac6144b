// Conditional affine coupling block (the paper's CCB). The input splits into halves [u1, u2]:
//   v1 = u1 * exp(s1(u2, c)) + t1(u2, c),   v2 = u2 * exp(s2(v1, c)) + t2(v1, c)
// The inverse runs the same subnetworks forward. s is soft-clamped so exp(s) stays bounded.
// With sides = 1 only the second half is transformed (given the first), as in the speed peer.
import * as tf from '@tensorflow/tfjs';
import { type FlowResult, type InvertibleModule, sumPerSample } from './module.ts';
import type { ParamStore } from './params.ts';
import { ConvSubnet, DenseSubnet, type Subnet } from './subnet.ts';

export interface ClampConfig {
  /** atan: clamp * 2/pi * atan(r / clamp) (authors' code); tanh: clamp * tanh(r / clamp). */
  kind: 'atan' | 'tanh';
  value: number;
}

export interface CouplingOptions {
  /** Per-sample shape: [H, W, C] uses conv subnets, [D] dense ones. */
  shape: number[];
  /** Channels of the condition (feature map channels, or global vector length); 0 for none. */
  conditionChannels: number;
  hidden: number;
  clamp: ClampConfig;
  sides?: 1 | 2;
  batchNorm?: boolean;
}

export function softClamp(r: tf.Tensor, clamp: ClampConfig): tf.Tensor {
  return tf.tidy(() => clamp.kind === 'atan'
    ? tf.mul(tf.atan(tf.div(r, clamp.value)), clamp.value * 2 / Math.PI)
    : tf.mul(tf.tanh(tf.div(r, clamp.value)), clamp.value));
}

export class AffineCoupling implements InvertibleModule {
  readonly kind = 'coupling';
  readonly inShape: number[];
  readonly outShape: number[];
  private readonly firstSize: number;
  private readonly secondSize: number;
  private readonly transformFirst: Subnet | null;
  private readonly transformSecond: Subnet;
  private readonly clamp: ClampConfig;
  private readonly hasCondition: boolean;

  constructor(store: ParamStore, name: string, options: CouplingOptions) {
    this.inShape = this.outShape = options.shape;
    this.clamp = options.clamp;
    this.hasCondition = options.conditionChannels > 0;
    const channels = options.shape[options.shape.length - 1];
    if (channels < 2) throw new Error(`coupling ${name} needs at least 2 channels, got ${channels}`);
    this.firstSize = Math.floor(channels / 2);
    this.secondSize = channels - this.firstSize;
    const make = (suffix: string, passive: number, active: number): Subnet => {
      const inChannels = passive + options.conditionChannels;
      return options.shape.length === 3
        ? new ConvSubnet(store, `${name}.${suffix}`, { inChannels, hidden: options.hidden, outChannels: 2 * active, batchNorm: options.batchNorm })
        : new DenseSubnet(store, `${name}.${suffix}`, inChannels, options.hidden, 2 * active);
    };
    this.transformFirst = (options.sides ?? 2) === 2 ? make('subnet1', this.secondSize, this.firstSize) : null;
    this.transformSecond = make('subnet2', this.firstSize, this.secondSize);
  }

  setTraining(training: boolean): void {
    this.transformFirst?.setTraining(training);
    this.transformSecond.setTraining(training);
  }

  /** (s, t) for the active half, from the passive half and the condition. */
  private scaleAndShift(subnet: Subnet, passive: tf.Tensor, condition: tf.Tensor | null): [tf.Tensor, tf.Tensor] {
    if (this.hasCondition && !condition) throw new Error('this coupling block needs a condition');
    const input = this.hasCondition ? tf.concat([passive, condition!], -1) : passive;
    const raw = subnet.apply(input);
    const active = raw.shape[raw.shape.length - 1] / 2;
    const [r, t] = tf.split(raw, [active, active], -1);
    return [softClamp(r, this.clamp), t];
  }

  private halves(x: tf.Tensor): [tf.Tensor, tf.Tensor] {
    const [a, b] = tf.split(x, [this.firstSize, this.secondSize], -1);
    return [a, b];
  }

  forward(x: tf.Tensor, condition: tf.Tensor | null): FlowResult {
    return tf.tidy(() => {
      let [u1, u2] = this.halves(x);
      let logdet = tf.zeros([x.shape[0]]);
      if (this.transformFirst) {
        const [s, t] = this.scaleAndShift(this.transformFirst, u2, condition);
        u1 = tf.add(tf.mul(u1, tf.exp(s)), t);
        logdet = tf.add(logdet, sumPerSample(s));
      }
      const [s, t] = this.scaleAndShift(this.transformSecond, u1, condition);
      u2 = tf.add(tf.mul(u2, tf.exp(s)), t);
      logdet = tf.add(logdet, sumPerSample(s));
      return { out: tf.concat([u1, u2], -1), logdet: logdet as tf.Tensor1D };
    });
  }

  inverse(y: tf.Tensor, condition: tf.Tensor | null): FlowResult {
    return tf.tidy(() => {
      let [v1, v2] = this.halves(y);
      const [s2, t2] = this.scaleAndShift(this.transformSecond, v1, condition);
      v2 = tf.mul(tf.sub(v2, t2), tf.exp(tf.neg(s2)));
      let logdet = tf.neg(sumPerSample(s2));
      if (this.transformFirst) {
        const [s1, t1] = this.scaleAndShift(this.transformFirst, v2, condition);
        v1 = tf.mul(tf.sub(v1, t1), tf.exp(tf.neg(s1)));
        logdet = tf.sub(logdet, sumPerSample(s1));
      }
      return { out: tf.concat([v1, v2], -1), logdet: logdet as tf.Tensor1D };
    });
  }
}
