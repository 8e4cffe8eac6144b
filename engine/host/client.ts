// The front's side of the engine host: starts it in a worker thread and turns calls into promises.
import { Worker } from 'node:worker_threads';
import type { EngineEvent } from '../api/contract.ts';
import type { FromHost, HostOptions, ToHost } from './protocol.ts';

export class EngineClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private readonly listeners = new Set<(event: EngineEvent) => void>();
  readonly ready: Promise<string>;

  constructor(private readonly worker: Worker) {
    this.ready = new Promise((resolve, reject) => {
      worker.on('message', (message: FromHost) => {
        if (message.type === 'ready') resolve(message.backend);
        else if (message.type === 'fatal') reject(new Error(`the engine could not start: ${message.error}`));
        else if (message.type === 'event') for (const listener of this.listeners) listener(message.event);
        else if (message.type === 'result') {
          const waiting = this.pending.get(message.id);
          this.pending.delete(message.id);
          if (message.ok) waiting?.resolve(message.value);
          else waiting?.reject(new Error(message.error));
        }
      });
      worker.on('error', (error) => {
        reject(error);
        for (const waiting of this.pending.values()) waiting.reject(new Error(`the engine stopped: ${error.message}`));
        this.pending.clear();
      });
    });
  }

  static start(options: HostOptions): EngineClient {
    return new EngineClient(new Worker(new URL('./worker.js', import.meta.url), { workerData: options }));
  }

  call(operation: string, args: unknown): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.send({ type: 'call', id, operation, args });
    });
  }

  grant(path: string): void {
    this.send({ type: 'grant', path });
  }

  onEvent(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private send(message: ToHost): void {
    this.worker.postMessage(message);
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}
