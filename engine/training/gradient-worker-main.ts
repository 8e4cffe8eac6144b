// A data-parallel training worker: its own tfjs backend and copy of the model. Each request brings
// the current weights and a shard of the batch; the reply is the shard's loss and flat gradients.
import * as tf from '@tensorflow/tfjs';
import { parentPort, workerData } from 'node:worker_threads';
import { type BackendChoice, initBackend } from '../backend.ts';
import { prepareConditionNetwork } from '../condition.ts';
import type { ModelConfig } from '../model/config.ts';
import { createModel } from '../model/model-folder.ts';
import type { ShardReply, ShardRequest } from './parallel.ts';

const { backend, config, weights } = workerData as { backend: BackendChoice; config: ModelConfig; weights: Map<string, Float32Array> };
await initBackend(backend);
await prepareConditionNetwork(config);
const model = createModel(config, weights);
const variables = model.store.trainable();

function setWeights(flat: Float32Array): void {
  let offset = 0;
  for (const variable of variables) {
    variable.assign(tf.tensor(flat.subarray(offset, offset + variable.size), variable.shape));
    offset += variable.size;
  }
}

parentPort!.on('message', (request: ShardRequest) => {
  setWeights(request.weights);
  const { conditionSize: s, chromaSize: c } = config;
  const lightness = tf.tensor4d(request.lightness, [request.count, s, s, 1]);
  const chroma = tf.tensor4d(request.chroma, [request.count, c, c, 2]);
  const { loss, gradients } = model.lossAndGradients({ lightness, chroma });
  const flat = new Float32Array(request.weights.length);
  let offset = 0;
  for (const gradient of gradients) {
    flat.set(gradient.dataSync(), offset);
    offset += gradient.size;
  }
  tf.dispose([lightness, chroma, ...gradients]);
  const reply: ShardReply = { loss, gradients: flat };
  parentPort!.postMessage(reply, [flat.buffer as ArrayBuffer]);
});
parentPort!.postMessage('ready');
