// Timing helpers for benchmark scripts (never for unit tests).

/** Median of `runs` timed calls after one warm-up call, in ms, and every run's time. */
export async function medianMs(runs: number, fn: () => void | Promise<void>): Promise<{ ms: number; runs: number[] }> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const ms = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { ms, runs: times.map((t) => Math.round(t)) };
}
