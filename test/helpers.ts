// Shared test helpers: deterministic random weights, numerical Jacobians and log-determinants.
import * as tf from '@tensorflow/tfjs';
import type { ParamStore } from '../engine/flow/params.ts';

/** Perturbs every trainable weight so that zero-initialised blocks are no longer the identity. */
export function randomiseWeights(store: ParamStore, scale: number, seed: number): void {
  store.trainable().forEach((v, i) => {
    tf.tidy(() => v.assign(tf.add(v, tf.randomNormal(v.shape, 0, scale, 'float32', seed + i))));
  });
}

/** log|det| of a square matrix (row-major, float64) by LU decomposition with partial pivoting. */
export function logAbsDet(matrix: Float64Array, n: number): number {
  const a = Float64Array.from(matrix);
  let sum = 0;
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r * n + col]) > Math.abs(a[pivot * n + col])) pivot = r;
    if (a[pivot * n + col] === 0) return -Infinity;
    if (pivot !== col) {
      for (let c = 0; c < n; c++) [a[col * n + c], a[pivot * n + c]] = [a[pivot * n + c], a[col * n + c]];
    }
    const diag = a[col * n + col];
    sum += Math.log(Math.abs(diag));
    for (let r = col + 1; r < n; r++) {
      const factor = a[r * n + col] / diag;
      if (factor === 0) continue;
      for (let c = col; c < n; c++) a[r * n + c] -= factor * a[col * n + c];
    }
  }
  return sum;
}

/**
 * log|det J| of f at x (one sample, D inputs -> D outputs) from central differences:
 * one batched call of f on the 2D points x +- eps e_i.
 */
export function numericalLogDet(f: (batch: tf.Tensor) => tf.Tensor, x: tf.Tensor, eps = 2e-3): number {
  const shape = x.shape.slice(1);
  const d = shape.reduce((a, b) => a * b, 1);
  const outputs = tf.tidy(() => {
    const flat = tf.reshape(x, [1, d]);
    const offsets = tf.mul(tf.eye(d), eps);
    const points = tf.concat([tf.add(flat, offsets), tf.sub(flat, offsets)]);
    return tf.reshape(f(tf.reshape(points, [2 * d, ...shape])), [2 * d, -1]);
  });
  const values = outputs.dataSync();
  const width = outputs.shape[1]!;
  outputs.dispose();
  if (width !== d) throw new Error(`f maps ${d} inputs to ${width} outputs`);
  const jacobian = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      // Row j (output), column i (input).
      jacobian[j * d + i] = (values[i * d + j] - values[(d + i) * d + j]) / (2 * eps);
    }
  }
  return logAbsDet(jacobian, d);
}

export function maxAbsDifference(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}
