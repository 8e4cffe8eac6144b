// The IPC surface of the main process, built from plain dependencies so the tests can drive it:
// one channel per operation of the contract ('engine:<operation>', nothing generic), the dialog
// channels, dropped files and the session description. Every call is checked for its sender and
// its arguments before anything reaches the engine host.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { OPERATIONS, parseRequest } from '../engine/api/contract.ts';
import type { EngineEvent } from '../engine/api/contract.ts';
import type { SenderInfo } from './security.ts';

/** Channels besides the operations'. */
export const CHANNELS = {
  openFiles: 'dialog:open-files',
  chooseFolder: 'dialog:choose-folder',
  saveTarget: 'dialog:save-target',
  filesDropped: 'files:dropped',
  session: 'session:info',
  event: 'engine:event',
  navigate: 'navigate',
  menu: 'menu',
} as const;

export const operationChannel = (operation: string): string => `engine:${operation}`;

/** What the IPC layer needs of the engine host (UtilityEngineHost, or a fake in tests). */
export interface HostLike {
  call(operation: string, args: unknown): Promise<unknown>;
  grant(path: string): void;
  onEvent(listener: (event: EngineEvent) => void): () => void;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: SenderInfo, ...args: unknown[]) => unknown): void;
}

/** Native dialogs; each resolves with what the user chose, or nothing when cancelled. */
export interface Dialogs {
  openFiles(): Promise<string[]>;
  chooseFolder(title?: string): Promise<string | null>;
  saveTarget(defaultPath: string): Promise<string | null>;
}

export interface SessionInfo {
  mode: 'electron';
  roots: string[];
  outputDir: string;
}

export interface IpcOptions {
  ipcMain: IpcMainLike;
  host: HostLike;
  dialogs: Dialogs;
  /** True for events from our window's main frame on the studio page. */
  trusted: (event: SenderInfo) => boolean;
  /** Where exports go by default (granted). */
  outputDir: string;
  /** Sends to the window (webContents.send), when it exists. */
  send: (channel: string, payload: unknown) => void;
}

export const MAX_DROPPED = 10_000;

/** A refusal as the renderer will read it: the channel, then what was wrong. */
export class IpcRefusal extends Error {
  constructor(channel: string, message: string) {
    super(`${channel}: ${message}`);
    this.name = 'IpcRefusal';
  }
}

function optionalText(channel: string, value: unknown, what: string, max: number): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length > max || value.includes('\0')) throw new IpcRefusal(channel, `${what} must be text of at most ${max} characters`);
  return value;
}

/**
 * Checks paths dropped on the window (from the preload's webUtils.getPathForFile): an array of
 * absolute paths of files or folders that exist. Resolves with the normalised paths.
 */
export async function validateDroppedPaths(value: unknown): Promise<string[]> {
  const channel = CHANNELS.filesDropped;
  if (!Array.isArray(value)) throw new IpcRefusal(channel, 'expected an array of absolute paths');
  if (value.length > MAX_DROPPED) throw new IpcRefusal(channel, `at most ${MAX_DROPPED} paths at once`);
  const paths: string[] = [];
  for (const item of value) {
    if (typeof item !== 'string' || item.length === 0 || item.length > 4096 || item.includes('\0')) throw new IpcRefusal(channel, 'every path must be non-empty text without NUL characters');
    if (!path.isAbsolute(item)) throw new IpcRefusal(channel, `"${item}" is not an absolute path`);
    const resolved = path.resolve(item);
    const stat = await fs.stat(resolved).catch(() => null);
    if (!stat) throw new IpcRefusal(channel, `${resolved} does not exist`);
    if (!stat.isFile() && !stat.isDirectory()) throw new IpcRefusal(channel, `${resolved} is neither a file nor a folder`);
    paths.push(resolved);
  }
  return paths;
}

/**
 * Registers every handler on ipcMain and forwards the host's events to the window. Returns the
 * channels registered (the tests check there is nothing else).
 */
export function registerIpc(options: IpcOptions): string[] {
  const { ipcMain, host, dialogs, trusted, outputDir, send } = options;
  const roots = new Set<string>();
  const grant = (granted: string) => {
    roots.add(granted);
    host.grant(granted);
  };
  grant(outputDir);
  const channels: string[] = [];
  const handle = (channel: string, listener: (...args: unknown[]) => unknown) => {
    channels.push(channel);
    ipcMain.handle(channel, async (event, ...args) => {
      if (!trusted(event)) throw new IpcRefusal(channel, 'refused: the call did not come from the Polychrome window');
      return listener(...args);
    });
  };

  for (const operation of OPERATIONS) {
    handle(operationChannel(operation), async (args) => {
      // parseRequest names the operation and the field that is wrong.
      const { request } = parseRequest(operation, args);
      return host.call(operation, request);
    });
  }

  handle(CHANNELS.openFiles, async () => {
    const files = await dialogs.openFiles();
    for (const file of files) grant(file);
    return files;
  });
  handle(CHANNELS.chooseFolder, async (title) => {
    const folder = await dialogs.chooseFolder(optionalText(CHANNELS.chooseFolder, title, 'the title', 200));
    if (folder) grant(folder);
    return folder;
  });
  handle(CHANNELS.saveTarget, async (suggestedName) => {
    const name = optionalText(CHANNELS.saveTarget, suggestedName, 'the suggested name', 255);
    // Only a name: the folder is ours to suggest.
    const base = name ? path.basename(name.replace(/\\/g, '/')) : '';
    const target = await dialogs.saveTarget(path.join(outputDir, base && base !== '.' && base !== '..' ? base : 'colorized.jpg'));
    if (target) grant(target);
    return target;
  });
  handle(CHANNELS.filesDropped, async (paths) => {
    const valid = await validateDroppedPaths(paths);
    for (const dropped of valid) grant(dropped);
    return valid;
  });
  handle(CHANNELS.session, async (): Promise<SessionInfo> => ({ mode: 'electron', roots: [...roots], outputDir }));

  host.onEvent((event) => send(CHANNELS.event, event));
  return channels;
}
