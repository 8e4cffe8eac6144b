// What the studio commands (colorize, batch, transfer, interpolate) share: the model, the job
// display with Ctrl-C handling, and exit codes.
import path from 'node:path';
import type { BatchEvent, BatchJob, BatchReport } from '../jobs/batch.ts';
import { loadModel } from '../model/model-folder.ts';
import { StudioSession } from '../studio/session.ts';
import { progressBar } from './progress.ts';
import { MODELS } from './shared.ts';

/** Exit codes of the studio commands (also in the README). */
export const EXIT = { ok: 0, error: 1, someFilesFailed: 2, interrupted: 130 } as const;

export async function openSession(modelDir?: string): Promise<{ session: StudioSession; modelName: string }> {
  const dir = modelDir ?? path.join(MODELS, 'default');
  const model = await loadModel(dir);
  return { session: new StudioSession(model), modelName: path.basename(path.resolve(dir)) };
}

/** A bar over the files, errors as lines while it runs. */
export function jobDisplay(label: string) {
  const bar = progressBar(label, ' {bar} {percentage}% | {value}/{total} files | {detail}');
  let done = 0, total = 0;
  const onEvent = (event: BatchEvent) => {
    if (event.type === 'start') {
      total = event.total;
      done = event.total - event.pending;
      if (done > 0) process.stderr.write(`resuming: ${done} of ${total} files already done\n`);
      bar.update(done, total, '');
    } else if (event.type === 'file') {
      bar.update(done, total, path.basename(event.file));
    } else if (event.type === 'done' || event.type === 'failed') {
      done++;
      if (event.type === 'failed') process.stderr.write(`\nerror: ${event.error}\n`);
      bar.update(done, total, path.basename(event.file));
    }
  };
  return { onEvent, stop: () => bar.stop() };
}

/** First Ctrl-C: finish the current file and stop with a consistent manifest; second: quit now. */
export function cancelJobOnInterrupt(job: BatchJob): () => void {
  const handler = () => {
    process.stderr.write('\nfinishing the current file, then stopping (Ctrl-C again to quit now)\n');
    job.cancel();
    process.once('SIGINT', () => process.exit(EXIT.interrupted));
  };
  process.once('SIGINT', handler);
  return () => process.removeListener('SIGINT', handler);
}

export function printReport(report: BatchReport): void {
  const lines = [`${report.done} of ${report.total} photos colorized, ${report.outputs.length} files written`];
  if (report.failed.length) lines.push(`${report.failed.length} failed:`, ...report.failed.map((f) => `  ${f.error}`));
  if (report.skipped.length) lines.push(`${report.skipped.length} files skipped (not images)`);
  if (report.cancelled) lines.push('stopped before the end (run again with --resume to continue)');
  process.stderr.write(`${lines.join('\n')}\n`);
  process.exitCode = report.cancelled ? EXIT.interrupted : report.failed.length ? EXIT.someFilesFailed : EXIT.ok;
}
