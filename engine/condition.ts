// Conditioning networks: L -> a pyramid of feature maps (one per flow level) and a global vector for
// the fully connected tail. Behind one interface so a frozen pretrained backbone can replace the
// network trained from scratch.
import * as tf from '@tensorflow/tfjs';
import { Conv, Dense } from './layers.ts';
import type { ConditionShapes, Conditions } from './flow/network.ts';
import type { ParamStore } from './flow/params.ts';
import type { ModelConfig } from './model/config.ts';
import { BackboneConditionNetwork, loadBackbone } from './condition-backbone.ts';

export interface ConditionNetwork {
  readonly shapes: ConditionShapes;
  /** L normalised, [N, S, S, 1] at the config's condition size. */
  compute(lightness: tf.Tensor4D): Conditions;
}

export type ConvConditionConfig = Extract<ModelConfig['condition'], { kind: 'conv' }>;


const halve = (x: tf.Tensor4D) => tf.avgPool(x, 2, 2, 'valid');

/** The ablation without a conditioning network: L itself, average-pooled to every level's size. */
export class RawLightnessCondition implements ConditionNetwork {
  readonly shapes: ConditionShapes;

  constructor(private readonly conditionSize: number, private readonly levelSizes: number[], private readonly globalSize: number) {
    for (const size of [...levelSizes, globalSize]) {
      if (conditionSize % size !== 0) throw new Error(`condition size ${conditionSize} is not a multiple of ${size}`);
    }
    this.shapes = { levels: levelSizes.map((size) => [size, size, 1]), globalDim: globalSize * globalSize };
  }

  private pooled(lightness: tf.Tensor4D, size: number): tf.Tensor4D {
    const factor = this.conditionSize / size;
    return factor === 1 ? lightness : tf.avgPool(lightness, factor, factor, 'valid');
  }

  compute(lightness: tf.Tensor4D): Conditions {
    return tf.tidy(() => ({
      pyramid: this.levelSizes.map((size) => this.pooled(lightness, size)),
      global: tf.reshape(this.pooled(lightness, this.globalSize), [lightness.shape[0], -1]),
    }));
  }
}

/** Loads what a config's condition network needs before a model of it can be built. */
export async function prepareConditionNetwork(config: ModelConfig): Promise<void> {
  if (config.condition.kind === 'centernet') await loadBackbone();
}

/** The condition network a config asks for. */
export function createConditionNetwork(store: ParamStore, config: ModelConfig, levelSizes: number[]): ConditionNetwork {
  const condition = config.condition;
  if (condition.kind === 'raw') return new RawLightnessCondition(config.conditionSize, levelSizes, condition.globalSize);
  if (condition.kind === 'centernet') return new BackboneConditionNetwork(store, config, levelSizes);
  return new ConvConditionNetwork(store, condition, config.conditionSize, levelSizes);
}

/**
 * A small CNN trained from scratch with the flow: a stem of 3x3 convs and 2x2 average pools down
 * to the chroma size, then per level a conv (pooled to the level's size) and a 1x1 head; the
 * global vector is the spatial mean of the last level's features through two dense layers.
 */
export class ConvConditionNetwork implements ConditionNetwork {
  readonly shapes: ConditionShapes;
  private readonly stem: Conv[] = [];
  private readonly levelConvs: Conv[] = [];
  private readonly heads: Conv[] = [];
  private readonly globalLayers: Dense[];
  private readonly poolsBefore: number[];

  constructor(store: ParamStore, config: ConvConditionConfig, conditionSize: number, levelSizes: number[]) {
    const levels = levelSizes.length;
    if (config.widths.length !== levels || config.levelChannels.length !== levels) {
      throw new Error(`the condition network needs widths and levelChannels for each of the ${levels} levels`);
    }
    const stemPools = Math.log2(conditionSize / levelSizes[0]);
    if (!Number.isInteger(stemPools) || stemPools < 0) {
      throw new Error(`condition size ${conditionSize} must be the chroma size ${levelSizes[0]} times a power of two`);
    }
    this.stem.push(new Conv(store, 'cond.stem0', 3, 1, config.stemWidth));
    for (let i = 0; i < stemPools; i++) this.stem.push(new Conv(store, `cond.stem${i + 1}`, 3, config.stemWidth, config.stemWidth));

    this.poolsBefore = levelSizes.map((size, k) => Math.log2((k === 0 ? levelSizes[0] : levelSizes[k - 1]) / size));
    let width = config.stemWidth;
    levelSizes.forEach((_, k) => {
      this.levelConvs.push(new Conv(store, `cond.level${k}`, 3, width, config.widths[k]));
      this.heads.push(new Conv(store, `cond.head${k}`, 1, config.widths[k], config.levelChannels[k]));
      width = config.widths[k];
    });
    this.globalLayers = [new Dense(store, 'cond.global0', width, config.globalDim), new Dense(store, 'cond.global1', config.globalDim, config.globalDim)];
    this.shapes = {
      levels: levelSizes.map((size, k) => [size, size, config.levelChannels[k]]),
      globalDim: config.globalDim,
    };
  }

  compute(lightness: tf.Tensor4D): Conditions {
    return tf.tidy(() => {
      let h = this.stem[0].apply(lightness);
      for (const conv of this.stem.slice(1)) h = halve(conv.apply(h));
      const pyramid: tf.Tensor[] = [];
      this.levelConvs.forEach((conv, k) => {
        for (let i = 0; i < this.poolsBefore[k]; i++) h = halve(h);
        h = conv.apply(h);
        pyramid.push(this.heads[k].apply(h, false));
      });
      const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D;
      const global = this.globalLayers[1].apply(this.globalLayers[0].apply(pooled, true), false);
      return { pyramid, global };
    });
  }
}
