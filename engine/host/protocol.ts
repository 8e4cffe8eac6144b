// Messages between a front (Electron's main process, the browser server) and the engine host,
// which runs the engine in its own thread or process so the front never waits on tensor work.
import type { EngineEvent } from '../api/contract.ts';

export type ToHost =
  | { type: 'call'; id: number; operation: string; args: unknown }
  /** Adds a folder or file the user chose (dialog, drop) to what requests may touch. */
  | { type: 'grant'; path: string };

export type FromHost =
  | { type: 'ready'; backend: string }
  | { type: 'result'; id: number; ok: true; value: unknown }
  | { type: 'result'; id: number; ok: false; error: string }
  | { type: 'event'; event: EngineEvent }
  | { type: 'fatal'; error: string };

export interface HostOptions {
  /** Shipped models folder (default/, baselines/). */
  builtInModels: string;
  /** Folder of the user's fine-tuned models. */
  userModels: string;
  /** Folders requests may touch from the start (the browser server's roots). */
  roots: string[];
  /** Model to load first. */
  model?: string;
  finetuneBatch?: number;
}
