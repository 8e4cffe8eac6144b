// The regression baseline every colorization paper beats: the same conditioning network as the
// cINN, with a head that maps every pyramid level (1x1 conv, upsampled) and the global vector to
// ab at the chroma size, trained with an L2 loss. It predicts one colour per pixel, the average of
// the plausible ones ("brownish").
import * as tf from '@tensorflow/tfjs';
import { createConditionNetwork, type ConditionNetwork } from '../condition.ts';
import { ParamStore } from '../flow/params.ts';
import { Adam } from '../model/adam.ts';
import type { TrainBatch } from '../model/colorization-model.ts';
import { levelSizes, type ModelConfig } from '../model/config.ts';

export class RegressionModel {
  readonly store: ParamStore;
  readonly condition: ConditionNetwork;
  private readonly levelHeads: tf.Variable[];
  private readonly globalHead: tf.Variable;
  private readonly headBias: tf.Variable;
  private optimiser: Adam | null = null;

  constructor(readonly config: ModelConfig, stored?: Map<string, Float32Array>) {
    if (config.kind !== 'regression') throw new Error(`a regression model needs kind "regression", got "${config.kind}"`);
    this.store = new ParamStore(config.seed, stored);
    this.condition = createConditionNetwork(this.store, config, levelSizes(config));
    const { levels, globalDim } = this.condition.shapes;
    this.levelHeads = levels.map((shape, k) => this.store.create(`head.level${k}.weight`, [1, 1, shape[2], 2], 'he'));
    this.globalHead = this.store.create('head.global.weight', [globalDim, 2], 'he');
    this.headBias = this.store.create('head.bias', [2], 'zeros');
  }

  get adam(): Adam {
    this.optimiser ??= new Adam(this.store.trainable(), this.config.optimiser);
    return this.optimiser;
  }

  /** Normalised ab [N, chromaSize, chromaSize, 2] from normalised L. */
  predict(lightness: tf.Tensor4D): tf.Tensor4D {
    const size = this.config.chromaSize;
    return tf.tidy(() => {
      const { pyramid, global } = this.condition.compute(lightness);
      const perLevel = pyramid.map((features, k) => {
        const ab = tf.conv2d(features as tf.Tensor4D, this.levelHeads[k] as tf.Tensor4D, 1, 'same');
        return ab.shape[1] === size ? ab : tf.image.resizeBilinear(ab, [size, size]);
      });
      const globalAb = tf.reshape(tf.matMul(global as tf.Tensor2D, this.globalHead as tf.Tensor2D), [-1, 1, 1, 2]);
      return tf.add(tf.add(tf.addN(perLevel), globalAb), this.headBias) as tf.Tensor4D;
    });
  }

  /** Mean squared error per image, in normalised ab units. */
  validationLoss(chroma: tf.Tensor4D, lightness: tf.Tensor4D): tf.Tensor1D {
    return tf.tidy(() => tf.mean(tf.squaredDifference(this.predict(lightness), chroma), [1, 2, 3]) as tf.Tensor1D);
  }

  /** Regression targets need no dequantisation noise. */
  dequantise(chroma: tf.Tensor4D): tf.Tensor4D {
    return tf.clone(chroma);
  }

  /** Mean squared error of the batch and its gradients, in the order of store.trainable(). */
  lossAndGradients(batch: TrainBatch): { loss: number; gradients: tf.Tensor[] } {
    const variables = this.store.trainable();
    const { value, grads } = tf.variableGrads(() => tf.mean(this.validationLoss(batch.chroma, batch.lightness)) as tf.Scalar, variables);
    const loss = value.dataSync()[0];
    value.dispose();
    return { loss, gradients: variables.map((v) => grads[v.name]) };
  }

  trainStep(batch: TrainBatch, learningRate = this.config.optimiser.learningRate): number {
    const { loss, gradients } = this.lossAndGradients(batch);
    this.adam.apply(gradients, learningRate);
    tf.dispose(gradients);
    return loss;
  }

  dispose(): void {
    this.optimiser?.dispose();
    this.store.dispose();
  }
}
