// Terminal progress bars for long CLI commands (cli-progress), drawn on stderr.
import cliProgress from 'cli-progress';

export function progressBar(label: string, format = ' {bar} {percentage}% | {value}/{total} | {detail}') {
  const bar = new cliProgress.SingleBar({ format: `${label}${format}`, stream: process.stderr, hideCursor: true, clearOnComplete: false, noTTYOutput: true, notTTYSchedule: 15_000 }, cliProgress.Presets.shades_classic);
  let started = false;
  return {
    update(value: number, total: number, detail: Record<string, unknown> | string = '') {
      const payload = typeof detail === 'string' ? { detail } : detail;
      if (!started) {
        bar.start(total, value, payload);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(value, payload);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
