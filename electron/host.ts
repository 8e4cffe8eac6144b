// The main process's side of the engine host, which runs in an Electron utilityProcess (never on
// the main thread): calls become promises (a pending map, as engine/host/client.ts keeps for the
// worker thread), grants and calls wait until the host is ready, events go to listeners. If the
// process dies, waiting calls fail with a clear message and the next call starts a new one, with
// every grant given again.
import type { EngineEvent } from '../engine/api/contract.ts';
import type { FromHost, HostOptions, ToHost } from '../engine/host/protocol.ts';

/** What the main process needs of a forked utility process. */
export interface HostProcess {
  postMessage(message: ToHost): void;
  on(event: 'message', listener: (message: FromHost) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  kill(): boolean;
}

export type ForkHost = (entry: string, args: string[]) => HostProcess;

/** Options travel on the command line, base64 JSON (no quoting trouble on any platform). */
export const HOST_OPTIONS_FLAG = '--host-options=';

export function hostOptionsArg(options: HostOptions): string {
  return HOST_OPTIONS_FLAG + Buffer.from(JSON.stringify(options), 'utf8').toString('base64');
}

interface Waiting {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

export class UtilityEngineHost {
  private child: HostProcess | null = null;
  private ready = false;
  private failed: string | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Waiting>();
  private readonly queue: ToHost[] = [];
  private readonly grants = new Set<string>();
  private readonly listeners = new Set<(event: EngineEvent) => void>();
  private readyWaiters: Waiting[] = [];
  private stopping = false;
  backend: string | null = null;

  constructor(private readonly fork: ForkHost, private readonly entry: string, private readonly options: HostOptions) {}

  /** Starts the host process (calls start it too when none runs). */
  start(): void {
    if (this.child) return;
    this.ready = false;
    this.failed = null;
    this.stopping = false;
    const child = this.fork(this.entry, [hostOptionsArg(this.options)]);
    this.child = child;
    child.on('message', (message: FromHost) => {
      if (this.child === child) this.receive(message);
    });
    child.on('exit', (code: number) => {
      if (this.child === child) this.exited(code);
    });
    // Grants (also those given before a restart) go first, before any call.
    this.queue.unshift(...[...this.grants].map((path): ToHost => ({ type: 'grant', path })));
  }

  /** Resolves with the backend's label once the engine runs; rejects if it could not start. */
  whenReady(): Promise<string> {
    if (this.ready) return Promise.resolve(this.backend ?? '');
    if (this.failed) return Promise.reject(new Error(this.failed));
    this.start();
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve: resolve as (value: unknown) => void, reject }));
  }

  call(operation: string, args: unknown): Promise<unknown> {
    this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.send({ type: 'call', id, operation, args });
    });
  }

  /** Lets requests touch `path` (a file or folder the user chose). */
  grant(path: string): void {
    if (this.grants.has(path)) return;
    this.grants.add(path);
    if (this.child) this.send({ type: 'grant', path });
  }

  get granted(): string[] {
    return [...this.grants];
  }

  onEvent(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stop(): void {
    this.stopping = true;
    const child = this.child;
    this.child = null;
    this.failAll('the engine was stopped');
    child?.kill();
  }

  private send(message: ToHost): void {
    if (this.ready && this.child) this.child.postMessage(message);
    else this.queue.push(message);
  }

  private receive(message: FromHost): void {
    switch (message.type) {
      case 'ready': {
        this.ready = true;
        this.backend = message.backend;
        for (const waiter of this.readyWaiters) waiter.resolve(message.backend);
        this.readyWaiters = [];
        const queued = this.queue.splice(0);
        for (const item of queued) this.child!.postMessage(item);
        break;
      }
      case 'fatal': {
        // The process is of no more use: it goes, and the next call tries a fresh one.
        this.failed = `the engine could not start: ${message.error}`;
        this.failAll(this.failed);
        const child = this.child;
        this.child = null;
        child?.kill();
        break;
      }
      case 'event':
        for (const listener of this.listeners) listener(message.event);
        break;
      case 'result': {
        const waiting = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.ok) waiting?.resolve(message.value);
        else waiting?.reject(new Error(message.error));
        break;
      }
    }
  }

  private exited(code: number): void {
    this.child = null;
    this.ready = false;
    if (this.stopping) return;
    const reason = this.failed ?? `the engine stopped unexpectedly (exit code ${code}); it restarts with the next request`;
    this.failAll(reason);
  }

  private failAll(reason: string): void {
    const error = new Error(reason);
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
    for (const waiter of this.readyWaiters) waiter.reject(error);
    this.readyWaiters = [];
    this.queue.length = 0;
  }
}
