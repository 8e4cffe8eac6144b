// The engine host in an Electron utilityProcess (started by electron/main.ts with
// utilityProcess.fork): messages arrive on process.parentPort as `event.data`, answers go back with
// parentPort.postMessage. The host options come on the command line as --host-options=<base64 JSON>.
// Nothing here imports electron (DESIGN.md rule 1): the port is whatever process.parentPort is.
import type { EngineService } from '../api/service.ts';
import { runEngineHost } from './engine-host.ts';
import type { Channel } from './engine-host.ts';
import type { FromHost, HostOptions, ToHost } from './protocol.ts';

export const HOST_OPTIONS_FLAG = '--host-options=';

/** The part of Electron's ParentPort the host uses. */
export interface ParentPortLike {
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
  postMessage(message: unknown): void;
}

/** Reads and checks the options the main process passed on the command line. */
export function hostOptionsFromArgs(args: readonly string[]): HostOptions {
  const arg = args.find((a) => a.startsWith(HOST_OPTIONS_FLAG));
  if (!arg) throw new Error(`missing ${HOST_OPTIONS_FLAG}<base64 JSON> argument`);
  let options: Partial<HostOptions>;
  try {
    options = JSON.parse(Buffer.from(arg.slice(HOST_OPTIONS_FLAG.length), 'base64').toString('utf8')) as Partial<HostOptions>;
  } catch {
    throw new Error(`${HOST_OPTIONS_FLAG} is not base64 JSON`);
  }
  const text = (value: unknown) => typeof value === 'string' && value.length > 0;
  if (!options || typeof options !== 'object' || !text(options.builtInModels) || !text(options.userModels)) throw new Error('the host options need builtInModels and userModels folders');
  if (!Array.isArray(options.roots) || !options.roots.every(text)) throw new Error('the host options need roots: an array of folders');
  if (options.model !== undefined && !text(options.model)) throw new Error('the host options\' model must be a name');
  if (options.finetuneBatch !== undefined && !(Number.isInteger(options.finetuneBatch) && options.finetuneBatch > 0)) throw new Error('the host options\' finetuneBatch must be a positive integer');
  return {
    builtInModels: options.builtInModels!, userModels: options.userModels!, roots: options.roots,
    ...(options.model !== undefined ? { model: options.model } : {}),
    ...(options.finetuneBatch !== undefined ? { finetuneBatch: options.finetuneBatch } : {}),
  };
}

/**
 * A channel over the parent port. It listens from the start and keeps what arrives until the host
 * subscribes (after the model has loaded), so no early grant or call is lost.
 */
export function parentPortChannel(port: ParentPortLike): Channel {
  const early: ToHost[] = [];
  let deliver: ((message: ToHost) => void) | null = null;
  port.on('message', (event) => {
    const message = event.data as ToHost;
    if (!message || typeof message !== 'object' || (message.type !== 'call' && message.type !== 'grant')) return;
    if (deliver) deliver(message);
    else early.push(message);
  });
  return {
    send: (message: FromHost) => port.postMessage(message),
    onMessage(listener) {
      deliver = listener;
      for (const message of early.splice(0)) listener(message);
    },
  };
}

/** Runs the host on the port; a bad command line is reported as a fatal message. */
export async function runUtilityHost(port: ParentPortLike, args: readonly string[]): Promise<EngineService | null> {
  const channel = parentPortChannel(port);
  let options: HostOptions;
  try {
    options = hostOptionsFromArgs(args);
  } catch (error) {
    channel.send({ type: 'fatal', error: (error as Error).message });
    return null;
  }
  return runEngineHost(channel, options);
}

const parentPort = (process as unknown as { parentPort?: ParentPortLike }).parentPort;
if (parentPort) await runUtilityHost(parentPort, process.argv);
