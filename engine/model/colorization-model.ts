// The colorization cINN: condition network phi(L) and multi-scale flow f(ab; phi(L)), with the
// maximum-likelihood loss in bits per dimension, an Adam step, sampling, encoding and decoding.
import * as tf from '@tensorflow/tfjs';
import { type ConditionNetwork, createConditionNetwork } from '../condition.ts';
import { type Conditions, type FlowOutput, MultiScaleFlow } from '../flow/network.ts';
import { ParamStore } from '../flow/params.ts';
import { Adam } from './adam.ts';
import { levelSizes, type ModelConfig } from './config.ts';
import { denormaliseAb, normaliseAb, normaliseL } from './normalisation.ts';

const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

export interface TrainBatch {
  /** Normalised L, [N, conditionSize, conditionSize, 1]. */
  lightness: tf.Tensor4D;
  /** Normalised ab, [N, chromaSize, chromaSize, 2]. */
  chroma: tf.Tensor4D;
}

export interface Decoded {
  /** Normalised ab, [N, chromaSize, chromaSize, 2]. */
  chroma: tf.Tensor4D;
  /** NLL of each decoded sample under the model, bits per dimension. */
  bitsPerDim: tf.Tensor1D;
}

export class ColorizationModel {
  readonly store: ParamStore;
  readonly condition: ConditionNetwork;
  readonly flow: MultiScaleFlow;
  private optimiser: Adam | null = null;

  /** @param stored weights of a saved model; omitted, everything is initialised from config.seed. */
  constructor(readonly config: ModelConfig, stored?: Map<string, Float32Array>) {
    if (config.kind !== 'cinn') throw new Error(`this is a ${config.kind} model, not a colorization cINN`);
    this.store = new ParamStore(config.seed, stored);
    const sizes = levelSizes(config);
    this.condition = createConditionNetwork(this.store, config, sizes);
    this.flow = new MultiScaleFlow(this.store, { chromaSize: config.chromaSize, levels: config.levels, tail: config.tail, clamp: config.clamp }, this.condition.shapes);
  }

  /** Number of ab dimensions the flow models per image. */
  get dims(): number {
    return this.flow.dims;
  }

  /** Constant that turns the per-dimension ML loss into bits/dim of ab in CIELAB units. */
  private get bitsOffset(): number {
    const { a, b } = this.config.normalisation;
    return HALF_LOG_TWO_PI + (Math.log(a.scale) + Math.log(b.scale)) / 2;
  }

  conditions(lightness: tf.Tensor4D): Conditions {
    return this.condition.compute(lightness);
  }

  /** Latent parts and the forward log-det of ab given L. */
  encode(chroma: tf.Tensor4D, lightness: tf.Tensor4D | Conditions): FlowOutput {
    // tidy keeps the tensors of the returned object; its typings only know plain containers.
    return tf.tidy(() => {
      const conditions = isConditions(lightness) ? lightness : this.conditions(lightness);
      return this.flow.forward(chroma, expandConditions(conditions, chroma.shape[0])) as unknown as tf.TensorContainer;
    }) as unknown as FlowOutput;
  }

  /** The trainer's validation loss: NLL in bits/dim per image. */
  validationLoss(chroma: tf.Tensor4D, lightness: tf.Tensor4D): tf.Tensor1D {
    return this.bitsPerDim(chroma, lightness);
  }

  /** -log2 p(ab | L) per dimension, for each image of the batch. */
  bitsPerDim(chroma: tf.Tensor4D, lightness: tf.Tensor4D | Conditions): tf.Tensor1D {
    return tf.tidy(() => {
      const { latents, logdet } = this.encode(chroma, lightness);
      return this.bitsFromLatents(latents, tf.neg(logdet));
    });
  }

  /** NLL in bits/dim from latents and the inverse direction's log-det (= -forward log-det). */
  private bitsFromLatents(latents: tf.Tensor2D[], inverseLogdet: tf.Tensor1D): tf.Tensor1D {
    return tf.tidy(() => {
      const squared = tf.addN(latents.map((z) => tf.sum(tf.square(z), 1)));
      const perDim = tf.div(tf.add(tf.mul(squared, 0.5), inverseLogdet), this.dims);
      return tf.div(tf.add(perDim, this.bitsOffset), Math.LN2) as tf.Tensor1D;
    });
  }

  /** The optimiser, created on first use; its state goes into checkpoints. */
  get adam(): Adam {
    this.optimiser ??= new Adam(this.store.trainable(), this.config.optimiser);
    return this.optimiser;
  }

  /**
   * ab with this step's dequantisation noise. The noise is seeded by the step count, so a resumed
   * run, or a step split across workers, draws exactly what one uninterrupted run would.
   */
  dequantise(chroma: tf.Tensor4D): tf.Tensor4D {
    const seed = this.config.seed * 100_003 + this.adam.step;
    return tf.tidy(() => tf.add(chroma, tf.randomNormal(chroma.shape, 0, this.config.dequantisationSigma, 'float32', seed)) as tf.Tensor4D);
  }

  /** Mean NLL (bits/dim) of the batch as given and its gradients, in the order of store.trainable(). */
  lossAndGradients(batch: TrainBatch): { loss: number; gradients: tf.Tensor[] } {
    this.flow.setTraining(true);
    const variables = this.store.trainable();
    const { value, grads } = tf.variableGrads(() => tf.mean(this.bitsPerDim(batch.chroma, batch.lightness)) as tf.Scalar, variables);
    this.flow.setTraining(false);
    const loss = value.dataSync()[0];
    value.dispose();
    return { loss, gradients: variables.map((v) => grads[v.name]) };
  }

  /** One AdamW step on the batch's mean NLL with dequantisation noise; returns the loss in bits/dim. */
  trainStep(batch: TrainBatch, learningRate = this.config.optimiser.learningRate): number {
    const chroma = this.dequantise(batch.chroma);
    const { loss, gradients } = this.lossAndGradients({ lightness: batch.lightness, chroma });
    this.adam.apply(gradients, learningRate);
    tf.dispose([chroma, ...gradients]);
    return loss;
  }

  /** Latent parts for one sample per seed, z ~ N(0, T^2): the same seed always gives the same z. */
  drawLatents(seeds: number[], temperature: number): tf.Tensor2D[] {
    return tf.tidy(() => this.flow.latentSizes.map((size, part) => tf.concat(
      seeds.map((seed) => tf.randomNormal([1, size], 0, temperature, 'float32', seed * 1009 + part)),
    ) as tf.Tensor2D));
  }

  /** ab from latent parts; conditions of one image are shared by every sample. */
  decode(latents: tf.Tensor2D[], lightness: tf.Tensor4D | Conditions): Decoded {
    return tf.tidy(() => {
      const conditions = isConditions(lightness) ? lightness : this.conditions(lightness);
      const { x, logdet } = this.flow.inverse(latents, expandConditions(conditions, latents[0].shape[0]));
      return { chroma: x as tf.Tensor4D, bitsPerDim: this.bitsFromLatents(latents, logdet) };
    });
  }

  /** Samples at temperature T, one per seed, for one L. */
  sample(lightness: tf.Tensor4D | Conditions, seeds: number[], temperature = 1): Decoded & { latents: tf.Tensor2D[] } {
    const latents = this.drawLatents(seeds, temperature);
    return { ...this.decode(latents, lightness), latents };
  }

  normaliseL(lightness: tf.Tensor): tf.Tensor {
    return normaliseL(this.config, lightness);
  }

  normaliseAb(ab: tf.Tensor): tf.Tensor {
    return normaliseAb(this.config, ab);
  }

  denormaliseAb(chroma: tf.Tensor): tf.Tensor {
    return denormaliseAb(this.config, chroma);
  }

  dispose(): void {
    this.optimiser?.dispose();
    this.store.dispose();
  }
}

function isConditions(value: tf.Tensor4D | Conditions): value is Conditions {
  return !(value instanceof tf.Tensor);
}

/** Repeats the conditions of a single image for n samples. */
function expandConditions(conditions: Conditions, n: number): Conditions {
  const batch = conditions.global.shape[0];
  if (batch === n) return conditions;
  if (batch !== 1) throw new Error(`conditions for ${batch} images cannot serve ${n} samples`);
  const tile = (t: tf.Tensor) => tf.tile(t, [n, ...t.shape.slice(1).map(() => 1)]);
  return { pyramid: conditions.pyramid.map(tile), global: tile(conditions.global) };
}
