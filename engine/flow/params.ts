// Named weights of a model. Every module asks the store for its weights by name, so saving and
// loading is a walk over one map, and a loaded model gets its stored values (fixed orthogonal
// matrices included) instead of fresh random ones.
import * as tf from '@tensorflow/tfjs';

export type Init = 'he' | 'zeros' | 'ones' | ((seed: number) => tf.Tensor);

export class ParamStore {
  private readonly variables = new Map<string, tf.Variable>();
  private readonly trainableNames = new Set<string>();
  private nextSeed: number;

  /**
   * @param seed base seed for deterministic initialisation
   * @param stored values to use instead of initialising (from a saved model)
   */
  constructor(seed: number, private readonly stored?: Map<string, Float32Array>) {
    this.nextSeed = seed * 7919 + 1;
  }

  create(name: string, shape: number[], init: Init, trainable = true): tf.Variable {
    if (this.variables.has(name)) throw new Error(`parameter ${name} is defined twice`);
    const seed = this.nextSeed++;
    const initial = this.stored ? this.fromStored(name, shape) : initialValue(shape, init, seed);
    const variable = tf.variable(initial, trainable);
    initial.dispose();
    this.variables.set(name, variable);
    if (trainable) this.trainableNames.add(name);
    return variable;
  }

  private fromStored(name: string, shape: number[]): tf.Tensor {
    const values = this.stored!.get(name);
    if (!values) throw new Error(`the saved weights have no parameter ${name}`);
    const expected = shape.reduce((a, b) => a * b, 1);
    if (values.length !== expected) {
      throw new Error(`the saved parameter ${name} has ${values.length} values, the architecture needs ${expected} (${shape.join('x')})`);
    }
    return tf.tensor(values, shape, 'float32');
  }

  /** Trainable variables in creation order. */
  trainable(): tf.Variable[] {
    return [...this.variables].filter(([name]) => this.trainableNames.has(name)).map(([, v]) => v);
  }

  /** All weights, trainable or fixed, in creation order. */
  entries(): Array<[string, tf.Variable]> {
    return [...this.variables];
  }

  parameterCount(): number {
    return this.trainable().reduce((n, v) => n + v.size, 0);
  }

  dispose(): void {
    for (const v of this.variables.values()) v.dispose();
    this.variables.clear();
  }
}

function initialValue(shape: number[], init: Init, seed: number): tf.Tensor {
  if (typeof init === 'function') return init(seed);
  if (init === 'zeros') return tf.zeros(shape);
  if (init === 'ones') return tf.ones(shape);
  // He initialisation for leaky-ReLU layers: fan-in is every dimension but the last.
  const fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  return tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn), 'float32', seed);
}
