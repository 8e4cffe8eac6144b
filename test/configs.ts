// Small model configurations for tests: the smallest that still has every kind of step.
import { makeConfig, type ModelConfig } from '../engine/model/config.ts';

/** ab 2x8x8, L 16x16: two image levels, Haar tail, fully connected blocks. 128 dimensions. */
export const TINY: ModelConfig = makeConfig({
  chromaSize: 8,
  conditionSize: 16,
  levels: [
    { downsample: 'none', blocks: 2, hidden: 8, split: 0 },
    { downsample: 'squeeze', blocks: 2, hidden: 8, split: 0.5 },
  ],
  tail: { downsample: 'haar', split: 0.75, blocks: 2, hidden: 16 },
  condition: { kind: 'conv', stemWidth: 4, widths: [8, 8], levelChannels: [3, 4], globalDim: 6 },
});

/** ab 2x16x16, L 32x32: three image levels (squeeze, squeeze), Haar tail. 512 dimensions. */
export const SMALL: ModelConfig = makeConfig({
  chromaSize: 16,
  conditionSize: 32,
  levels: [
    { downsample: 'none', blocks: 1, hidden: 8, split: 0 },
    { downsample: 'squeeze', blocks: 2, hidden: 12, split: 0.5 },
    { downsample: 'squeeze', blocks: 2, hidden: 16, split: 0 },
  ],
  tail: { downsample: 'haar', split: 0.75, blocks: 2, hidden: 32 },
  condition: { kind: 'conv', stemWidth: 4, widths: [8, 8, 12], levelChannels: [4, 4, 6], globalDim: 8 },
  clamp: { kind: 'tanh', value: 2 },
});
