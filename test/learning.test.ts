// The model learns a conditional distribution with two equally likely colours for one pattern and
// one colour for another, without collapsing onto one mode or averaging them.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../engine/backend.ts';
import { ColorizationModel } from '../engine/model/colorization-model.ts';
import { makeConfig } from '../engine/model/config.ts';

const CONFIG = makeConfig({
  chromaSize: 8,
  conditionSize: 16,
  levels: [
    { downsample: 'none', blocks: 2, hidden: 16, split: 0 },
    { downsample: 'squeeze', blocks: 2, hidden: 16, split: 0.5 },
  ],
  tail: { downsample: 'haar', split: 0.5, blocks: 4, hidden: 64 },
  condition: { kind: 'conv', stemWidth: 8, widths: [8, 8], levelChannels: [4, 4], globalDim: 8 },
  optimiser: { learningRate: 4e-3, weightDecay: 1e-5, beta1: 0.9, beta2: 0.999 },
});

// Colours in CIELAB (a, b).
const RED = [50, 30];
const BLUE = [10, -50];
const GREEN = [-45, 40];
const MODES = { red: RED, blue: BLUE, green: GREEN };

/** Vertical stripes (pattern A: red or blue) or horizontal stripes (pattern B: always green). */
function lightnessPattern(vertical: boolean): number[] {
  const size = CONFIG.conditionSize;
  return Array.from({ length: size * size }, (_, i) => {
    const coordinate = vertical ? i % size : Math.floor(i / size);
    return Math.floor(coordinate / 2) % 2 ? 70 : 30;
  });
}

function batch(model: ColorizationModel, n: number, step: number) {
  return tf.tidy(() => {
    const lights: number[] = [];
    const colours: number[][] = [];
    for (let i = 0; i < n; i++) {
      const patternA = i % 2 === 0;
      lights.push(...lightnessPattern(patternA));
      // A deterministic, balanced red/blue draw per step.
      colours.push(patternA ? (((i >> 1) + step) * 2654435761 % 7) % 2 ? RED : BLUE : GREEN);
    }
    const pixels = CONFIG.chromaSize * CONFIG.chromaSize;
    const ab = tf.add(
      tf.reshape(tf.tile(tf.tensor3d(colours.map((c) => [c]), [n, 1, 2]), [1, pixels, 1]), [n, CONFIG.chromaSize, CONFIG.chromaSize, 2]),
      tf.randomNormal([n, CONFIG.chromaSize, CONFIG.chromaSize, 2], 0, 2, 'float32', step),
    );
    const size = CONFIG.conditionSize;
    return {
      chroma: model.normaliseAb(ab) as tf.Tensor4D,
      lightness: model.normaliseL(tf.tensor4d(lights, [n, size, size, 1])) as tf.Tensor4D,
    };
  });
}

interface Classified {
  counts: Record<string, number>;
  /** Median distance (CIELAB ab units) of a sample's mean colour to its nearest mode. */
  medianDistance: number;
}

/** Mean colour of each sample, assigned to the nearest mode. */
function classify(model: ColorizationModel, vertical: boolean, count: number): Classified {
  const size = CONFIG.conditionSize;
  const lightness = model.normaliseL(tf.tensor4d(lightnessPattern(vertical), [1, size, size, 1])) as tf.Tensor4D;
  const seeds = Array.from({ length: count }, (_, i) => 1000 + i);
  const { chroma } = model.sample(lightness, seeds, 1);
  const means = tf.tidy(() => tf.mean(model.denormaliseAb(chroma), [1, 2]).arraySync() as number[][]);
  const counts: Record<string, number> = { red: 0, blue: 0, green: 0 };
  const distances: number[] = [];
  for (const [a, b] of means) {
    const [name, distance] = Object.entries(MODES)
      .map(([mode, [ma, mb]]) => [mode, Math.hypot(a - ma, b - mb)] as const)
      .sort((x, y) => x[1] - y[1])[0];
    counts[name]++;
    distances.push(distance);
  }
  distances.sort((x, y) => x - y);
  return { counts, medianDistance: distances[Math.floor(count / 2)] };
}

describe('learning a two-mode conditional colour distribution', () => {
  beforeAll(async () => { await initBackend(); });

  it('NLL falls, samples cover both modes equally, and the one-mode condition gives one colour', () => {
    const model = new ColorizationModel(CONFIG);
    const losses: number[] = [];
    const steps = 600;
    for (let step = 0; step < steps; step++) {
      const data = batch(model, 16, step);
      const learningRate = CONFIG.optimiser.learningRate * 0.5 * (1 + Math.cos(Math.PI * step / steps));
      losses.push(model.trainStep(data, learningRate));
      tf.dispose(data);
    }
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    const first = mean(losses.slice(0, 20));
    const last = mean(losses.slice(-50));
    console.log(`NLL ${first.toFixed(2)} -> ${last.toFixed(2)} bits/dim`);
    expect(last).toBeLessThan(first - 2);

    const twoModes = classify(model, true, 200);
    const oneMode = classify(model, false, 200);
    console.log('pattern A samples', twoModes, 'pattern B samples', oneMode);
    // Both modes in roughly equal shares: no collapse onto one of them.
    expect(twoModes.counts.red / 200).toBeGreaterThan(0.3);
    expect(twoModes.counts.blue / 200).toBeGreaterThan(0.3);
    expect(twoModes.counts.green).toBeLessThan(10);
    // Most samples sit at a mode, not at their average (red and blue are 89 units apart).
    expect(twoModes.medianDistance).toBeLessThan(15);
    expect(oneMode.counts.green).toBe(200);
    expect(oneMode.medianDistance).toBeLessThan(10);
    model.dispose();
  });
});
