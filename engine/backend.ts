// Picks the fastest tfjs backend that loads and computes correctly on this machine:
// tfjs-node-gpu -> tfjs-node -> wasm -> cpu. POLYCHROME_BACKEND=tensorflow|wasm|cpu forces one.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
import { registerWasmTrainingKernels } from './wasm/index.ts';

export type BackendChoice = 'tensorflow' | 'wasm' | 'cpu';

export interface BackendInfo {
  /** tfjs backend name: 'tensorflow', 'wasm' or 'cpu'. */
  name: BackendChoice;
  /** What runs it, for banners and the status bar, e.g. "@tensorflow/tfjs-node-gpu (CUDA)". */
  label: string;
  /** Why earlier candidates were passed over. */
  skipped: string[];
}

interface Candidate {
  choice: BackendChoice;
  label: string;
  load: () => Promise<void>;
}

const require = createRequire(import.meta.url);
let selected: BackendInfo | null = null;

const candidates: Candidate[] = [
  { choice: 'tensorflow', label: '@tensorflow/tfjs-node-gpu (CUDA)', load: () => loadNative('@tensorflow/tfjs-node-gpu') },
  { choice: 'tensorflow', label: '@tensorflow/tfjs-node (native CPU)', load: () => loadNative('@tensorflow/tfjs-node') },
  { choice: 'wasm', label: '@tensorflow/tfjs-backend-wasm (WebAssembly SIMD)', load: loadWasm },
  { choice: 'cpu', label: '@tensorflow/tfjs cpu (pure JavaScript, slow)', load: async () => {} },
];

async function loadNative(pkg: string): Promise<void> {
  // Optional dependencies: absent where their install could not download libtensorflow.
  await import(pkg);
}

async function loadWasm(): Promise<void> {
  const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  setWasmPaths(path.join(dist, 'dist') + path.sep);
}

/** A tiny conv + matMul with known answers: a backend that loads but computes wrongly is skipped. */
function selfCheck(): void {
  tf.tidy(() => {
    const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    const w = tf.tensor4d([1, 0, 0, 1], [2, 2, 1, 1]);
    const conv = tf.conv2d(x, w, 1, 'valid').dataSync();
    const mm = tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([5, 6, 7, 8], [2, 2])).dataSync();
    const ok = conv.length === 1 && conv[0] === 5 && [19, 22, 43, 50].every((v, i) => mm[i] === v);
    if (!ok) throw new Error(`self-check computed conv=${Array.from(conv)} matMul=${Array.from(mm)}`);
  });
}

function parseForced(value: string | undefined): BackendChoice | null {
  if (value === undefined || value === '') return null;
  if (value === 'tensorflow' || value === 'wasm' || value === 'cpu') return value;
  throw new Error(`POLYCHROME_BACKEND=${value} is not a backend: use tensorflow, wasm or cpu`);
}

/** Selects and initialises the backend once; later calls return the same answer. */
export async function initBackend(force: BackendChoice | null = parseForced(process.env.POLYCHROME_BACKEND)): Promise<BackendInfo> {
  if (selected && (force === null || force === selected.name)) return selected;
  const skipped: string[] = [];
  for (const candidate of candidates) {
    if (force && candidate.choice !== force) continue;
    try {
      await candidate.load();
      if (!(await tf.setBackend(candidate.choice))) throw new Error('backend did not initialise');
      await tf.ready();
      if (candidate.choice === 'wasm') registerWasmTrainingKernels();
      selfCheck();
      selected = { name: candidate.choice, label: candidate.label, skipped };
      return selected;
    } catch (error) {
      skipped.push(`${candidate.label}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(`No tfjs backend could be started:\n  ${skipped.join('\n  ')}`);
}

/** The backend chosen by initBackend, or null before it ran. */
export function currentBackend(): BackendInfo | null {
  return selected;
}
