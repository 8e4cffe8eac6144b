// The architecture and training settings of a colorization model, validated with one schema so a
// bad or mismatched model.json is refused with a message that names the field.
import { z } from 'zod';

export const MODEL_FORMAT_VERSION = 1;

const positiveInt = z.number().int().positive();
const fraction = z.number().min(0).lt(1);

const levelSchema = z.object({
  downsample: z.enum(['none', 'squeeze', 'haar']),
  blocks: z.number().int().min(0),
  hidden: positiveInt,
  split: fraction,
});

const normaliserSchema = z.object({ mean: z.number(), scale: z.number().positive() });

export const modelConfigSchema = z.object({
  /** cinn: the colorization cINN; regression: the L2 regression baseline (no flow, one output). */
  kind: z.enum(['cinn', 'regression']).default('cinn'),
  /** Resolution of the generated ab channels (square). */
  chromaSize: positiveInt,
  /** Resolution of L fed to the condition network: chromaSize times a power of two. */
  conditionSize: positiveInt,
  levels: z.array(levelSchema).min(1),
  tail: z.object({
    downsample: z.enum(['squeeze', 'haar']),
    split: fraction,
    blocks: z.number().int().min(0),
    hidden: positiveInt,
  }),
  clamp: z.object({ kind: z.enum(['atan', 'tanh']), value: z.number().positive() }),
  condition: z.discriminatedUnion('kind', [
    z.object({
      kind: z.literal('conv'),
      stemWidth: positiveInt,
      widths: z.array(positiveInt),
      levelChannels: z.array(positiveInt),
      globalDim: positiveInt,
    }),
    // The paper's ablation: raw L average-pooled to each level, and an L thumbnail as global vector.
    z.object({ kind: z.literal('raw'), globalSize: positiveInt }),
    // Frozen pretrained backbone (CenterNet on MobileNetV3) with trainable heads per level.
    z.object({
      kind: z.literal('centernet'),
      widths: z.array(positiveInt),
      levelChannels: z.array(positiveInt),
      globalDim: positiveInt,
    }),
  ]),
  /** x_normalised = (x - mean) / scale for L (0..100) and a, b (CIELAB units). */
  normalisation: z.object({ L: normaliserSchema, a: normaliserSchema, b: normaliserSchema }),
  /** Std of the Gaussian dequantisation noise added to normalised ab while training. */
  dequantisationSigma: z.number().min(0),
  /** Seed of every random initialisation, the fixed orthogonal matrices included. */
  seed: z.number().int(),
  optimiser: z.object({
    learningRate: z.number().positive(),
    weightDecay: z.number().min(0),
    beta1: z.number().min(0).lt(1),
    beta2: z.number().min(0).lt(1),
  }),
});

export type ModelConfig = z.infer<typeof modelConfigSchema>;

/** Parses unknown JSON into a config or throws one message listing every problem. */
export function parseModelConfig(value: unknown, source: string): ModelConfig {
  const result = modelConfigSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new Error(`${source} is not a valid model configuration:\n  ${problems.join('\n  ')}`);
  }
  return result.data;
}

/** Spatial size of each flow level, following the levels' downsampling. */
export function levelSizes(config: Pick<ModelConfig, 'chromaSize' | 'levels'>): number[] {
  let size = config.chromaSize;
  return config.levels.map((level) => {
    if (level.downsample !== 'none') size /= 2;
    return size;
  });
}

/** The authors' normalisation of L and ab (../shared/PAPER.md), with L scaled to about [-1, 1]. */
const PAPER_NORMALISATION: ModelConfig['normalisation'] = {
  L: { mean: 50, scale: 50 },
  a: { mean: 2.4, scale: 11.2 },
  b: { mean: 7.4, scale: 16.8 },
};

/**
 * The default size, chosen for 2 CPU cores with wasm (../shared/COMPUTE.md): ab at 32x32 from L at
 * 128x128 (the paper: 64 from 256), widths about a third to a half of the paper's, fewer blocks.
 * Training at ab 64 cost 2.3x more per image here; the joint bilateral upsampling restores edges.
 */
export const DEFAULT_CONFIG: ModelConfig = {
  kind: 'cinn',
  chromaSize: 32,
  conditionSize: 128,
  levels: [
    { downsample: 'none', blocks: 2, hidden: 32, split: 0 },
    { downsample: 'squeeze', blocks: 3, hidden: 64, split: 0.5 },
    { downsample: 'squeeze', blocks: 3, hidden: 96, split: 0.5 },
    { downsample: 'squeeze', blocks: 3, hidden: 128, split: 0 },
  ],
  tail: { downsample: 'haar', split: 0.5, blocks: 4, hidden: 256 },
  clamp: { kind: 'atan', value: 1.5 },
  condition: { kind: 'conv', stemWidth: 16, widths: [32, 48, 64, 96], levelChannels: [16, 24, 32, 48], globalDim: 128 },
  normalisation: PAPER_NORMALISATION,
  dequantisationSigma: 0.05,
  seed: 1,
  optimiser: { learningRate: 5e-4, weightDecay: 1e-5, beta1: 0.9, beta2: 0.999 },
};

/** A config with the default's settings and the given changes, validated. */
export function makeConfig(changes: Partial<ModelConfig> = {}): ModelConfig {
  return parseModelConfig({ ...structuredClone(DEFAULT_CONFIG), ...changes }, 'the model configuration');
}
