// Training in the terminal: a progress bar over steps or minutes, and Ctrl-C to stop cleanly.
import type { TrainEvent } from '../training/trainer.ts';
import { progressBar } from './progress.ts';

/** Ctrl-C stops training after the current step and saves a checkpoint; a second Ctrl-C quits. */
export function cancelOnInterrupt(): AbortController {
  const controller = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write('\nstopping after this step and saving a checkpoint (Ctrl-C again to quit now)\n');
    controller.abort();
    process.once('SIGINT', () => process.exit(130));
  });
  return controller;
}

function formatDuration(seconds: number | null): string {
  if (seconds === null) return '?';
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** Shows training events: a bar over steps or minutes, validation and rollbacks as lines. */
export function trainingDisplay(minutes?: number, steps?: number) {
  const bar = progressBar('training', ' {bar} {percentage}% | step {step} | loss {loss} | {rate} img/s | ETA {remaining}');
  const started = Date.now();
  let firstStep: number | null = null;
  return (event: TrainEvent) => {
    if (event.type === 'step') {
      // Steps count from where this run began (a resumed run starts past zero).
      firstStep ??= event.step - 1;
      const done = steps !== undefined ? (event.step - firstStep) / steps : (Date.now() - started) / 60_000 / (minutes ?? Infinity);
      bar.update(Math.round(Math.min(1, done) * 1000), 1000, {
        step: event.step, loss: event.loss.toFixed(3), rate: event.imagesPerSecond.toFixed(2), remaining: formatDuration(event.etaSeconds),
      });
    } else if (event.type === 'validation') {
      process.stderr.write(`\nvalidation ${event.unit === 'MSE' ? 'MSE' : 'NLL'} at step ${event.step}: ${event.nll.toFixed(3)}${event.unit === 'MSE' ? '' : ' bits/dim'}${event.best ? ' (best so far)' : ''}\n`);
    } else if (event.type === 'rollback') {
      process.stderr.write(`\nnon-finite loss at step ${event.step}: rolled back to the checkpoint of step ${event.toStep}, learning rate x${event.learningRateScale}\n`);
    } else if (event.type === 'done') {
      bar.stop();
      console.log(`stopped at step ${event.step} (${event.reason})`);
    }
  };
}

