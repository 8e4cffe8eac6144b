// The engine host: the engine service behind a message channel. Calls are answered in order of
// completion; events from jobs are forwarded as they happen.
import { PathPolicy } from '../api/paths.ts';
import { EngineService } from '../api/service.ts';
import { initBackend } from '../backend.ts';
import type { FromHost, HostOptions, ToHost } from './protocol.ts';

export interface Channel {
  send(message: FromHost): void;
  onMessage(listener: (message: ToHost) => void): void;
}

export async function runEngineHost(channel: Channel, options: HostOptions): Promise<EngineService | null> {
  try {
    const backend = await initBackend();
    const paths = new PathPolicy(options.roots);
    const service = await EngineService.create({
      builtInModels: options.builtInModels, userModels: options.userModels, paths, finetuneBatch: options.finetuneBatch,
      onEvent: (event) => channel.send({ type: 'event', event }),
    }, options.model);
    channel.onMessage((message) => {
      if (message.type === 'grant') {
        paths.grant(message.path);
        return;
      }
      service.handle(message.operation, message.args).then(
        (value) => channel.send({ type: 'result', id: message.id, ok: true, value }),
        (error: Error) => channel.send({ type: 'result', id: message.id, ok: false, error: error.message }),
      );
    });
    channel.send({ type: 'ready', backend: backend.label });
    return service;
  } catch (error) {
    channel.send({ type: 'fatal', error: (error as Error).message });
    return null;
  }
}
