// The multi-scale cINN: a list of steps, each an invertible module fed one condition (a level of the
// condition pyramid, the global vector, or none) or a split that sends channels to the latent.
import * as tf from '@tensorflow/tfjs';
import { AffineCoupling, type ClampConfig } from './coupling.ts';
import { type InvertibleModule } from './module.ts';
import { OrthogonalMixing } from './orthogonal.ts';
import type { ParamStore } from './params.ts';
import { Flatten, HaarDownsampling, Squeeze } from './reshaping.ts';

export type Downsampling = 'none' | 'squeeze' | 'haar';

export interface LevelConfig {
  /** Applied on entering the level (the first level is usually 'none'). */
  downsample: Downsampling;
  blocks: number;
  hidden: number;
  /** Fraction of channels sent to the latent after the level's blocks (0: none). */
  split: number;
}

export interface TailConfig {
  downsample: Exclude<Downsampling, 'none'>;
  /** Fraction of channels sent to the latent before flattening. */
  split: number;
  blocks: number;
  hidden: number;
}

export interface FlowConfig {
  chromaSize: number;
  levels: LevelConfig[];
  tail: TailConfig;
  clamp: ClampConfig;
}

/** Condition a step reads: index into the pyramid, 'global', or none. */
export type ConditionRef = number | 'global' | null;

export interface Conditions {
  pyramid: tf.Tensor[];
  global: tf.Tensor;
}

export type Step =
  | { type: 'module'; module: InvertibleModule; condition: ConditionRef }
  | { type: 'split'; keep: number; inShape: number[] };

export interface FlowOutput {
  /** Latent parts, each flattened to [N, d], finest first, the fully connected tail's last. */
  latents: tf.Tensor2D[];
  logdet: tf.Tensor1D;
}

/** Channel counts the condition network must provide: per level, and the global vector. */
export interface ConditionShapes {
  levels: number[][];
  globalDim: number;
}

export class MultiScaleFlow {
  readonly steps: Step[] = [];
  readonly latentSizes: number[] = [];
  /** Shape of each latent part: [height, width, channels] for the spatial splits, [d] for the global part. */
  readonly latentShapes: number[][] = [];
  readonly dims: number;

  constructor(store: ParamStore, config: FlowConfig, conditions: ConditionShapes) {
    let shape = [config.chromaSize, config.chromaSize, 2];
    this.dims = shape[0] * shape[1] * shape[2];
    const add = (module: InvertibleModule, condition: ConditionRef = null) => {
      this.steps.push({ type: 'module', module, condition });
      shape = module.outShape;
    };
    const downsample = (kind: Downsampling) => {
      if (kind === 'squeeze') add(new Squeeze(shape));
      if (kind === 'haar') add(new HaarDownsampling(shape));
    };
    const split = (fraction: number) => {
      const channels = shape[shape.length - 1];
      const sent = Math.round(channels * fraction);
      if (sent <= 0) return;
      if (sent >= channels) throw new Error(`split ${fraction} would send all ${channels} channels to the latent`);
      this.steps.push({ type: 'split', keep: channels - sent, inShape: shape });
      this.latentSizes.push(shape[0] * shape[1] * sent);
      this.latentShapes.push([shape[0], shape[1], sent]);
      shape = [shape[0], shape[1], channels - sent];
    };

    config.levels.forEach((level, k) => {
      downsample(level.downsample);
      const levelShape = conditions.levels[k];
      if (!levelShape || levelShape[0] !== shape[0] || levelShape[1] !== shape[1]) {
        throw new Error(`level ${k} runs at ${shape[0]}x${shape[1]} but its condition is ${levelShape?.slice(0, 2).join('x') ?? 'missing'}`);
      }
      for (let b = 0; b < level.blocks; b++) {
        add(new AffineCoupling(store, `level${k}.block${b}`, { shape, conditionChannels: levelShape[2], hidden: level.hidden, clamp: config.clamp }), k);
        add(new OrthogonalMixing(store, `level${k}.mix${b}`, shape));
      }
      split(level.split);
    });

    downsample(config.tail.downsample);
    split(config.tail.split);
    add(new Flatten(shape));
    for (let b = 0; b < config.tail.blocks; b++) {
      add(new AffineCoupling(store, `tail.block${b}`, { shape, conditionChannels: conditions.globalDim, hidden: config.tail.hidden, clamp: config.clamp }), 'global');
      add(new OrthogonalMixing(store, `tail.mix${b}`, shape));
    }
    this.latentSizes.push(shape[0]);
    this.latentShapes.push([shape[0]]);
  }

  static conditionFor(ref: ConditionRef, conditions: Conditions): tf.Tensor | null {
    if (ref === null) return null;
    return ref === 'global' ? conditions.global : conditions.pyramid[ref];
  }

  setTraining(training: boolean): void {
    for (const step of this.steps) {
      if (step.type === 'module' && step.module instanceof AffineCoupling) step.module.setTraining(training);
    }
  }

  /** x: normalised ab [N, S, S, 2] -> latent parts and log|det J| per sample. */
  forward(x: tf.Tensor, conditions: Conditions): FlowOutput {
    return tf.tidy(() => {
      const n = x.shape[0];
      const latents: tf.Tensor2D[] = [];
      let logdet = tf.zeros([n]) as tf.Tensor1D;
      let h = x;
      for (const step of this.steps) {
        if (step.type === 'split') {
          const channels = step.inShape[2];
          const [kept, sent] = tf.split(h, [step.keep, channels - step.keep], -1);
          latents.push(tf.reshape(sent, [n, -1]));
          h = kept;
        } else {
          const result = step.module.forward(h, MultiScaleFlow.conditionFor(step.condition, conditions));
          h = result.out;
          logdet = tf.add(logdet, result.logdet);
        }
      }
      latents.push(h as tf.Tensor2D);
      return { latents, logdet };
    });
  }

  /** Latent parts -> ab [N, S, S, 2], with the inverse's log|det| (= -forward's). */
  inverse(latents: tf.Tensor[], conditions: Conditions): { x: tf.Tensor; logdet: tf.Tensor1D } {
    if (latents.length !== this.latentSizes.length) {
      throw new Error(`expected ${this.latentSizes.length} latent parts, got ${latents.length}`);
    }
    return tf.tidy(() => {
      const n = latents[0].shape[0];
      let part = latents.length - 1;
      let h = latents[part];
      let logdet = tf.zeros([n]) as tf.Tensor1D;
      for (let i = this.steps.length - 1; i >= 0; i--) {
        const step = this.steps[i];
        if (step.type === 'split') {
          part--;
          const [height, width, channels] = step.inShape;
          const sent = tf.reshape(latents[part], [n, height, width, channels - step.keep]);
          h = tf.concat([h, sent], -1);
        } else {
          const result = step.module.inverse(h, MultiScaleFlow.conditionFor(step.condition, conditions));
          h = result.out;
          logdet = tf.add(logdet, result.logdet);
        }
      }
      return { x: h, logdet };
    });
  }
}
