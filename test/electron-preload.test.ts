// The sandboxed preload: exactly the contract's operations as named functions (each on its own
// channel, nothing generic), events without the IPC event object, dropped files through webUtils;
// and the built bundle runs where only require('electron') exists, as in Electron's sandbox.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { OPERATIONS } from '../engine/api/contract.ts';
import { buildElectron, requiresOf } from '../electron/build.js';

const bridge = vi.hoisted(() => {
  const exposed = new Map<string, any>();
  const listeners = new Map<string, Set<(...args: unknown[]) => void>>();
  const ipcRenderer = {
    invoke: vi.fn(async (channel: string, ...args: unknown[]) => ({ channel, args })),
    on: vi.fn((channel: string, listener: (...args: unknown[]) => void) => {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)!.add(listener);
    }),
    removeListener: vi.fn((channel: string, listener: (...args: unknown[]) => void) => {
      listeners.get(channel)?.delete(listener);
    }),
  };
  const electron = {
    contextBridge: { exposeInMainWorld: vi.fn((key: string, api: unknown) => exposed.set(key, api)) },
    ipcRenderer,
    webUtils: { getPathForFile: vi.fn((file: { path?: string }) => file.path ?? '') },
  };
  const emit = (channel: string, payload: unknown) => {
    for (const listener of listeners.get(channel) ?? []) listener({ sender: 'the ipc event' }, payload);
  };
  return { electron, exposed, listeners, emit };
});

vi.mock('electron', () => ({ ...bridge.electron, default: bridge.electron }));

const EXTRAS = ['onEvent', 'importFiles', 'chooseFiles', 'chooseFolder', 'chooseSaveTarget', 'session', 'onNavigate', 'onMenu'];
let api: Record<string, (...args: any[]) => any>;
let OPERATION_NAMES: readonly string[];

beforeAll(async () => {
  ({ OPERATION_NAMES } = await import('../electron/preload.ts'));
  api = bridge.exposed.get('polychrome');
});

beforeEach(() => {
  bridge.electron.ipcRenderer.invoke.mockClear();
});

describe('the preload', () => {
  it('lists exactly the contract\'s operations', () => {
    expect([...OPERATION_NAMES]).toEqual(OPERATIONS);
  });

  it('exposes window.polychrome with one function per operation and the extras, nothing else', () => {
    expect(bridge.electron.contextBridge.exposeInMainWorld).toHaveBeenCalledTimes(1);
    expect(bridge.electron.contextBridge.exposeInMainWorld.mock.calls[0][0]).toBe('polychrome');
    expect(Object.keys(api).sort()).toEqual([...OPERATIONS, ...EXTRAS].sort());
    for (const key of Object.keys(api)) expect(typeof api[key]).toBe('function');
    for (const generic of ['invoke', 'send', 'call', 'ipcRenderer', 'on']) expect(api[generic]).toBeUndefined();
  });

  it('each operation invokes its own channel with the request', async () => {
    const request = { photoId: 'p1', count: 3, temperature: 1, seed: 2 };
    await expect(api.sample(request)).resolves.toEqual({ channel: 'engine:sample', args: [request] });
    for (const operation of OPERATIONS) {
      await api[operation]({ marker: operation });
      expect(bridge.electron.ipcRenderer.invoke).toHaveBeenLastCalledWith(`engine:${operation}`, { marker: operation });
    }
    // Distinct functions, not one generic dispatcher under many names.
    expect(new Set(OPERATIONS.map((operation) => api[operation])).size).toBe(OPERATIONS.length);
  });

  it('onEvent, onNavigate and onMenu pass the payload only and unsubscribe', () => {
    const events: unknown[] = [];
    const stop = api.onEvent((event: unknown) => events.push(event));
    bridge.emit('engine:event', { type: 'loss', jobId: 'j1', step: 1 });
    stop();
    bridge.emit('engine:event', { type: 'loss', jobId: 'j1', step: 2 });
    expect(events).toEqual([{ type: 'loss', jobId: 'j1', step: 1 }]);

    const views: unknown[] = [];
    const stopViews = api.onNavigate((view: unknown) => views.push(view));
    bridge.emit('navigate', 'gallery');
    stopViews();
    bridge.emit('navigate', 'train');
    expect(views).toEqual(['gallery']);

    const commands: unknown[] = [];
    api.onMenu((command: unknown) => commands.push(command));
    bridge.emit('menu', 'export');
    expect(commands).toEqual(['export']);
    expect(() => api.onEvent('not a function')).toThrow(TypeError);
  });

  it('importFiles turns File objects into paths and hands them to files:dropped', async () => {
    await expect(api.importFiles([{ path: '/photos/a.jpg' }, { path: '' }, { path: '/photos/b.png' }])).resolves.toEqual({ channel: 'files:dropped', args: [['/photos/a.jpg', '/photos/b.png']] });
    bridge.electron.ipcRenderer.invoke.mockClear();
    await expect(api.importFiles([{ path: '' }])).resolves.toEqual([]);
    expect(bridge.electron.ipcRenderer.invoke).not.toHaveBeenCalled();
  });

  it('dialogs and session use their channels', async () => {
    await api.chooseFiles();
    expect(bridge.electron.ipcRenderer.invoke).toHaveBeenLastCalledWith('dialog:open-files');
    await api.chooseFolder('Batch input');
    expect(bridge.electron.ipcRenderer.invoke).toHaveBeenLastCalledWith('dialog:choose-folder', 'Batch input');
    await api.chooseSaveTarget('photo-s3.jpg');
    expect(bridge.electron.ipcRenderer.invoke).toHaveBeenLastCalledWith('dialog:save-target', 'photo-s3.jpg');
    await api.session();
    expect(bridge.electron.ipcRenderer.invoke).toHaveBeenLastCalledWith('session:info');
  });
});

describe('the build', () => {
  let out: string;
  beforeAll(async () => {
    out = await fs.mkdtemp(path.join(os.tmpdir(), 'polychrome-electron-build-'));
    await buildElectron({ outDir: out, quiet: true });
  });
  afterAll(async () => {
    await fs.rm(out, { recursive: true, force: true });
  });

  it('the preload bundle requires only electron and runs in a sandbox-like context', async () => {
    const code = await fs.readFile(path.join(out, 'preload.cjs'), 'utf8');
    expect(requiresOf(code)).toEqual(['electron']);
    expect(code).not.toMatch(/zod/);
    const exposed = new Map<string, any>();
    const invoked: unknown[][] = [];
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, value: unknown) => exposed.set(key, value) },
      ipcRenderer: { invoke: async (...args: unknown[]) => invoked.push(args), on() {}, removeListener() {} },
      webUtils: { getPathForFile: () => '' },
    };
    const sandboxRequire = (name: string) => {
      if (name !== 'electron') throw new Error(`module not found: ${name}`);
      return electron;
    };
    // Electron wraps a sandboxed preload in a function of (require, process, Buffer, global, ...).
    vm.runInNewContext(`(function (require) {\n${code}\n})`, {}, { filename: 'preload.cjs' })(sandboxRequire);
    const built = exposed.get('polychrome');
    expect(Object.keys(built).sort()).toEqual([...OPERATIONS, ...EXTRAS].sort());
    await built.cancelJob({ jobId: 'j3' });
    expect(invoked).toEqual([['engine:cancelJob', { jobId: 'j3' }]]);
  });

  it('the main bundle is ESM and leaves electron and packages to be loaded at run time', async () => {
    const code = await fs.readFile(path.join(out, 'main.js'), 'utf8');
    const imports = [...code.matchAll(/^import .* from "([^"]+)";$/gm)].map((match) => match[1]);
    expect(imports).toContain('electron');
    for (const name of imports) expect(name).toMatch(/^(electron|zod|node:.+)$/);
    expect(code).toContain('engine:');
  });
});
