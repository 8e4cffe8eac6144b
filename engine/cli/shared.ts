// What every command shares: the version banner with the engine backend, option parsers, paths.
import { InvalidArgumentError } from 'commander';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BackendInfo, initBackend } from '../backend.ts';

export const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };
/** Models shipped with Polychrome: default/ and baselines/<name>/. */
export const MODELS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../resources/models');
/** Data-parallel workers by default where there are cores for them (see `polychrome bench train`). */
export const DEFAULT_WORKERS = Math.min(2, os.availableParallelism());

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
