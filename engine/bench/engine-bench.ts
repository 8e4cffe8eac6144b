// `polychrome bench engine`: the speed peer's coupling block (../shared/peers/block_torch.py) built
// from the engine's own modules, timed against PyTorch in the same run, plus the default model.
import * as tf from '@tensorflow/tfjs';
import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { currentBackend } from '../backend.ts';
import { AffineCoupling } from '../flow/coupling.ts';
import { ParamStore } from '../flow/params.ts';
import { HaarDownsampling } from '../flow/reshaping.ts';
import { Adam } from '../model/adam.ts';
import { ColorizationModel } from '../model/colorization-model.ts';
import { DEFAULT_CONFIG } from '../model/config.ts';
import { medianMs } from './timing.ts';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const PEER_SCRIPT = process.env.POLYCHROME_PEERS
  ? path.join(process.env.POLYCHROME_PEERS, 'block_torch.py')
  : path.resolve(here, '../../../shared/peers/block_torch.py');

// The peer's block: batch 16 of 4 x 64 x 64 (two halves of 2 channels), condition 32 channels,
// subnet 3x3 convs 34 -> 64 -> 64 -> 4 with batch norm and leaky ReLU, s = 2 tanh(r / 2),
// one-sided affine update, then Haar downsampling.
const N = 16, H = 64, W = 64, C = 32, F = 64;
const CONV_FLOPS = 2 * N * H * W * 9 * (F * (2 + C) + F * F + 4 * F);

export interface BlockTiming { trainMsPerImage: number; forwardMsPerImage: number; trainGflops: number; forwardGflops: number }

export async function benchEngineBlock(runs: number): Promise<BlockTiming> {
  const store = new ParamStore(0);
  const block = new AffineCoupling(store, 'block', { shape: [H, W, 4], conditionChannels: C, hidden: F, clamp: { kind: 'tanh', value: 2 }, sides: 1, batchNorm: true });
  const haar = new HaarDownsampling([H, W, 4]);
  const x = tf.randomNormal([N, H, W, 4], 0, 1, 'float32', 1);
  const c = tf.randomNormal([N, H, W, C], 0, 1, 'float32', 2);
  const variables = store.trainable();
  const adam = new Adam(variables, { learningRate: 1e-3, weightDecay: 0, beta1: 0.9, beta2: 0.999 });
  block.setTraining(true);
  const forward = () => {
    const { out, logdet } = block.forward(x, c);
    return { z: haar.forward(out, null).out, logdet };
  };
  const train = await medianMs(runs, () => {
    const { value, grads } = tf.variableGrads(() => tf.tidy(() => {
      const { z, logdet } = forward();
      return tf.div(tf.mean(tf.sub(tf.mul(tf.sum(tf.square(z), [1, 2, 3]), 0.5), logdet)), H * W * 4) as tf.Scalar;
    }), variables);
    adam.apply(variables.map((v) => grads[v.name]));
    value.dataSync();
    tf.dispose([value, grads]);
  });
  const fwd = await medianMs(runs, () => {
    tf.tidy(() => forward().z.dataSync());
  });
  adam.dispose();
  store.dispose();
  tf.dispose([x, c]);
  return {
    trainMsPerImage: train.ms / N,
    forwardMsPerImage: fwd.ms / N,
    trainGflops: (3 * CONV_FLOPS) / train.ms / 1e6,
    forwardGflops: CONV_FLOPS / fwd.ms / 1e6,
  };
}

export interface PeerTiming { threads: number; trainMsPerImage: number; forwardMsPerImage: number }

/** Runs the PyTorch peer if Debian's python3 has torch; null (with the reason printed) otherwise. */
export async function benchTorchPeer(threads: number, runs: number): Promise<PeerTiming | string> {
  const python = '/usr/bin/python3';
  if (!existsSync(PEER_SCRIPT)) return `peer script not found at ${PEER_SCRIPT}`;
  if (!existsSync(python)) return 'no /usr/bin/python3';
  const out = path.join(os.tmpdir(), `polychrome-peer-${process.pid}-${threads}.json`);
  try {
    await run(python, [PEER_SCRIPT, '--threads', String(threads), '--runs', String(runs)], { env: { ...process.env, OUT_JSON: out } });
    const result = JSON.parse(await fs.readFile(out, 'utf8')) as Record<string, { perImageMs: number }>;
    return { threads, trainMsPerImage: result['train step'].perImageMs, forwardMsPerImage: result.forward.perImageMs };
  } catch (error) {
    const message = (error as Error).message;
    return message.includes('No module named') ? 'PyTorch is not installed (apt-get install python3-torch)' : `peer failed: ${message.split('\n')[0]}`;
  } finally {
    await fs.rm(out, { force: true });
  }
}

export interface ModelTiming { parameters: number; forwardMsPerImage: number; trainMsPerImage: number; eightSamplesMs: number }

/** The full default-size model: NLL forward, one training step and 8 samples of one photo. */
export async function benchDefaultModel(runs: number, batch = 8): Promise<ModelTiming> {
  const config = DEFAULT_CONFIG;
  const model = new ColorizationModel(config);
  const chroma = tf.randomNormal([batch, config.chromaSize, config.chromaSize, 2], 0, 1, 'float32', 3) as tf.Tensor4D;
  const lightness = tf.randomUniform([batch, config.conditionSize, config.conditionSize, 1], -1, 1, 'float32', 4) as tf.Tensor4D;
  const one = tf.slice(lightness, 0, 1) as tf.Tensor4D;
  const forward = await medianMs(runs, () => { tf.tidy(() => model.bitsPerDim(chroma, lightness).dataSync()); });
  const train = await medianMs(runs, () => { model.trainStep({ chroma, lightness }); });
  const sample = await medianMs(runs, () => {
    tf.tidy(() => model.sample(one, [1, 2, 3, 4, 5, 6, 7, 8], 1).chroma.dataSync());
  });
  const parameters = model.store.parameterCount();
  model.dispose();
  tf.dispose([chroma, lightness, one]);
  return { parameters, forwardMsPerImage: forward.ms / batch, trainMsPerImage: train.ms / batch, eightSamplesMs: sample.ms };
}

const fixed = (v: number, digits = 1) => v.toFixed(digits);

export async function benchEngine(options: { runs: number; log: (line: string) => void }): Promise<void> {
  const { runs, log } = options;
  const backend = currentBackend();
  log(`engine benchmark on ${backend?.label ?? tf.getBackend()}, ${os.cpus().length} cores`);
  const ours = await benchEngineBlock(runs);
  log(`[block polychrome] train step ${fixed(ours.trainMsPerImage)} ms/img (${fixed(ours.trainGflops, 2)} GFLOP/s conv), forward ${fixed(ours.forwardMsPerImage)} ms/img (${fixed(ours.forwardGflops, 2)} GFLOP/s conv)`);
  for (const threads of [2, 1]) {
    const peer = await benchTorchPeer(threads, runs);
    if (typeof peer === 'string') {
      log(`[block pytorch] skipped: ${peer}`);
      break;
    }
    log(`[block pytorch t=${threads}] train step ${fixed(peer.trainMsPerImage)} ms/img, forward ${fixed(peer.forwardMsPerImage)} ms/img`);
    log(`[ratio polychrome / pytorch t=${threads}] train ${fixed(ours.trainMsPerImage / peer.trainMsPerImage, 2)}x, forward ${fixed(ours.forwardMsPerImage / peer.forwardMsPerImage, 2)}x`);
  }
  const model = await benchDefaultModel(runs);
  log(`[default model, ${(model.parameters / 1e6).toFixed(2)} M parameters] forward (NLL) ${fixed(model.forwardMsPerImage)} ms/img, training ${fixed(model.trainMsPerImage)} ms/img, 8 samples of one photo ${fixed(model.eightSamplesMs, 0)} ms`);
}
