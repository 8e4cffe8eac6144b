// What every command shares: the version banner with the engine backend, option parsers, paths.
import { InvalidArgumentError } from 'commander';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BackendInfo, initBackend } from '../backend.ts';
import { version } from '../version.ts';

export { version };
/** Models shipped with Polychrome: default/ and baselines/<name>/. */
export const MODELS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../resources/models');
/**
 * Training threads when --workers is not given. Measured with `polychrome bench train` on 2 cores:
 * two worker threads train 1.36x faster than one thread at batch 16, but 0.95x at batch 8, where
 * sending weights and gradients each step costs more than the second core gives.
 */
export function defaultWorkers(batchSize: number): number {
  return batchSize >= 16 ? Math.min(2, os.availableParallelism()) : 1;
}

/** Starts the backend and prints the banner on stderr, so stdout stays clean for --json output. */
export async function start(): Promise<BackendInfo> {
  const backend = await initBackend();
  process.stderr.write(`Polychrome ${version} · engine backend: ${backend.label}\n`);
  return backend;
}

export function fraction(value: string): number {
  const parsed = Number(value);
  if (!(parsed > 0 && parsed < 1)) throw new InvalidArgumentError(`expected a number between 0 and 1, got "${value}"`);
  return parsed;
}

export function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new InvalidArgumentError(`expected a positive whole number, got "${value}"`);
  return parsed;
}

export function positiveNumber(value: string): number {
  const parsed = Number(value);
  if (!(parsed > 0)) throw new InvalidArgumentError(`expected a positive number, got "${value}"`);
  return parsed;
}
