// `polychrome serve`: the studio in the browser, on 127.0.0.1 only.
import { type Command, InvalidArgumentError } from 'commander';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../server/server.ts';
import { MODELS, version } from '../shared.ts';

const RENDERER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../renderer/dist');

function port(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) throw new InvalidArgumentError(`expected a port from 0 to 65535, got "${value}"`);
  return parsed;
}

/** Where fine-tuned models live when no folder is given (the user's data folder). */
export function defaultUserModels(): string {
  const data = process.env.XDG_DATA_HOME ?? path.join(os.homedir(), '.local', 'share');
  return path.join(data, 'polychrome', 'models');
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('serve the studio in your browser on 127.0.0.1 (the address printed includes a one-time token)')
    .option('--port <p>', 'port (0: any free port)', port, 4747)
    .option('--host <h>', 'loopback address to listen on: 127.0.0.1, ::1 or localhost', '127.0.0.1')
    .option('--root <dir...>', 'folders the studio may read and write (default: your home folder)')
    .option('--models <dir>', 'shipped models folder', MODELS)
    .option('--user-models <dir>', 'folder of your fine-tuned models', defaultUserModels())
    .option('--model <name>', 'model to start with', 'default')
    .option('--imports <dir>', 'where photos dropped into the browser are stored (default: a new temporary folder)')
    .action(async (options: { port: number; host: string; root?: string[]; models: string; userModels: string; model: string; imports?: string }) => {
      const server = await startServer({
        port: options.port, host: options.host, roots: options.root ?? [os.homedir()], staticDir: RENDERER,
        builtInModels: options.models, userModels: options.userModels, model: options.model, importsDir: options.imports,
      });
      process.stderr.write(`Polychrome ${version} · engine backend: ${server.backend}\n`);
      console.log(`Polychrome studio: ${server.url}`);
      const stop = async () => {
        await server.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
