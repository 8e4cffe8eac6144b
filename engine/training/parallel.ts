// Data-parallel training over worker threads: each worker holds its own tfjs and model copy, gets
// the current weights and a shard of the batch, and returns its gradients; the caller averages
// them (weighted by shard size) and applies one optimiser step, so every worker stays in sync.
import * as tf from '@tensorflow/tfjs';
import { Worker } from 'node:worker_threads';
import { currentBackend } from '../backend.ts';
import type { AnyModel } from '../model/model-folder.ts';

export interface ShardRequest {
  weights: Float32Array;
  lightness: Float32Array;
  chroma: Float32Array;
  count: number;
}

export interface ShardReply {
  loss: number;
  gradients: Float32Array;
}

export class DataParallel {
  private constructor(private readonly workers: Worker[]) {}

  static async start(model: AnyModel, count: number): Promise<DataParallel> {
    const backend = currentBackend()?.name ?? 'wasm';
    // Copies: typed arrays from the wasm backend can be views of its heap.
    const weights = new Map(await Promise.all(model.store.entries().map(async ([name, v]) => [name, Float32Array.from((await v.data()) as Float32Array)] as const)));
    const workers = await Promise.all(Array.from({ length: count }, () => new Promise<Worker>((resolve, reject) => {
      const worker = new Worker(new URL('./gradient-worker.js', import.meta.url), { workerData: { backend, config: model.config, weights } });
      worker.once('message', () => resolve(worker));
      worker.once('error', reject);
    })));
    return new DataParallel(workers);
  }

  get size(): number {
    return this.workers.length;
  }

  /** Mean loss and mean gradients (flat, trainable order) of a batch split across the workers. */
  async lossAndGradients(model: AnyModel, lightness: tf.Tensor4D, chroma: tf.Tensor4D): Promise<{ loss: number; gradients: tf.Tensor[] }> {
    const variables = model.store.trainable();
    const weights = new Float32Array(variables.reduce((n, v) => n + v.size, 0));
    let offset = 0;
    for (const v of variables) { weights.set(v.dataSync(), offset); offset += v.size; }
    const n = lightness.shape[0];
    const lightValues = lightness.dataSync() as Float32Array;
    const chromaValues = chroma.dataSync() as Float32Array;
    const perLight = lightValues.length / n;
    const perChroma = chromaValues.length / n;
    const shards = this.workers.map((_, i) => {
      const from = Math.floor((i * n) / this.workers.length);
      const to = Math.floor(((i + 1) * n) / this.workers.length);
      return { from, to };
    }).filter((s) => s.to > s.from);
    const replies = await Promise.all(shards.map(({ from, to }, i) => new Promise<ShardReply>((resolve, reject) => {
      const worker = this.workers[i];
      const request: ShardRequest = {
        weights: i === shards.length - 1 ? weights : weights.slice(),
        lightness: lightValues.slice(from * perLight, to * perLight),
        chroma: chromaValues.slice(from * perChroma, to * perChroma),
        count: to - from,
      };
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.postMessage(request, [request.weights.buffer, request.lightness.buffer, request.chroma.buffer] as ArrayBuffer[]);
    })));
    // `weights` went to the last worker (transferred), so size the sum from the variables.
    const total = new Float32Array(variables.reduce((count, v) => count + v.size, 0));
    let loss = 0;
    replies.forEach((reply, i) => {
      const share = (shards[i].to - shards[i].from) / n;
      loss += reply.loss * share;
      for (let k = 0; k < total.length; k++) total[k] += reply.gradients[k] * share;
    });
    offset = 0;
    const gradients = variables.map((v) => {
      const g = tf.tensor(total.subarray(offset, offset + v.size), v.shape);
      offset += v.size;
      return g;
    });
    return { loss, gradients };
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
