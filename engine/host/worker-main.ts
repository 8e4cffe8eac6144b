// The engine host in a Node worker thread (used by the browser server).
import { parentPort, workerData } from 'node:worker_threads';
import { runEngineHost } from './engine-host.ts';
import type { HostOptions, ToHost } from './protocol.ts';

await runEngineHost({
  send: (message) => parentPort!.postMessage(message),
  onMessage: (listener) => parentPort!.on('message', (message: ToHost) => listener(message)),
}, workerData as HostOptions);
