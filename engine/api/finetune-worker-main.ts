// A fine-tune in its own thread, so the engine keeps answering the studio while it trains: it
// posts the trainer's events and stops after the current step when told to cancel.
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../backend.ts';
import { runFinetune } from '../training/run.ts';

export interface FinetuneWork {
  model: string;
  data: string;
  out: string;
  minutes?: number;
  steps?: number;
  batchSize: number;
}

const work = workerData as FinetuneWork;
const controller = new AbortController();
parentPort!.on('message', (message: { type: string }) => {
  if (message.type === 'cancel') controller.abort();
});

try {
  await initBackend();
  await runFinetune({
    model: work.model, data: work.data, out: work.out, minutes: work.minutes, steps: work.steps,
    batchSize: work.batchSize, workers: 1, signal: controller.signal,
    onEvent: (event) => parentPort!.postMessage({ type: 'event', event }),
    onWarning: (message) => parentPort!.postMessage({ type: 'warning', message }),
  });
  parentPort!.postMessage({ type: 'finished' });
} catch (error) {
  parentPort!.postMessage({ type: 'error', message: (error as Error).message });
}
