// Electron's main process under Node, with electron mocked: the window's security settings, the
// session rules (CSP header, no remote requests, no permissions), navigation and window.open,
// the IPC surface (one checked channel per operation, nothing generic, sender checks, argument
// validation, dropped paths, dialogs granting what the user chose) and the menu.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { OPERATIONS } from '../engine/api/contract.ts';
import { CONTENT_SECURITY_POLICY as SERVER_CSP } from '../engine/server/server.ts';
import { menuTemplate, VIEWS } from '../electron/menu.ts';
import { CONTENT_SECURITY_POLICY, isAppUrl, remoteRequestFilter } from '../electron/security.ts';

const fake = vi.hoisted(() => {
  type Listener = (...args: any[]) => unknown;
  class Emitter {
    listeners = new Map<string, Listener[]>();
    on(name: string, listener: Listener) {
      this.listeners.set(name, [...(this.listeners.get(name) ?? []), listener]);
      return this;
    }
    once(name: string, listener: Listener) {
      return this.on(name, listener);
    }
    emit(name: string, ...args: unknown[]) {
      for (const listener of this.listeners.get(name) ?? []) listener(...args);
    }
  }
  class FakeContents extends Emitter {
    sent: [string, unknown][] = [];
    windowOpenHandler: Listener | null = null;
    send(channel: string, payload: unknown) {
      this.sent.push([channel, payload]);
    }
    setWindowOpenHandler(handler: Listener) {
      this.windowOpenHandler = handler;
    }
  }
  class FakeWindow extends Emitter {
    static all: FakeWindow[] = [];
    static getAllWindows() {
      return FakeWindow.all;
    }
    webContents = new FakeContents();
    loaded: string | null = null;
    constructor(readonly options: Record<string, any>) {
      super();
      FakeWindow.all.push(this);
    }
    loadFile(file: string) {
      this.loaded = file;
      return Promise.resolve();
    }
    isDestroyed() {
      return false;
    }
    isMinimized() {
      return false;
    }
    show() {}
    restore() {}
    focus() {}
  }
  class FakeChild extends Emitter {
    posted: any[] = [];
    killed = false;
    constructor(readonly entry: string, readonly args: string[], readonly options: unknown) {
      super();
    }
    postMessage(message: unknown) {
      this.posted.push(message);
    }
    kill() {
      this.killed = true;
      return true;
    }
  }
  const app = Object.assign(new Emitter(), {
    isPackaged: false,
    sandboxed: false,
    quit: () => {},
    enableSandbox() {
      app.sandboxed = true;
    },
    requestSingleInstanceLock: () => true,
    getPath: (name: string) => `/tmp/polychrome-fake-${name}`,
    getVersion: () => '0.1.0',
    whenReady: () => Promise.resolve(),
  });
  const session = {
    permissionRequest: null as Listener | null,
    permissionCheck: null as Listener | null,
    beforeRequest: null as Listener | null,
    headersReceived: null as Listener | null,
    setPermissionRequestHandler(handler: Listener) {
      session.permissionRequest = handler;
    },
    setPermissionCheckHandler(handler: Listener) {
      session.permissionCheck = handler;
    },
    webRequest: {
      onBeforeRequest(handler: Listener) {
        session.beforeRequest = handler;
      },
      onHeadersReceived(handler: Listener) {
        session.headersReceived = handler;
      },
    },
  };
  const state = {
    handlers: new Map<string, Listener>(),
    children: [] as FakeChild[],
    menu: null as unknown[] | null,
    errorBoxes: [] as string[],
    openDialogResult: { canceled: false, filePaths: [] as string[] },
    saveDialogResult: { canceled: false, filePath: '' as string | undefined },
    saveDefaults: [] as string[],
  };
  const electron = {
    app,
    BrowserWindow: FakeWindow,
    session: { defaultSession: session },
    ipcMain: {
      handle(channel: string, listener: Listener) {
        if (state.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
        state.handlers.set(channel, listener);
      },
    },
    utilityProcess: {
      fork(entry: string, args: string[], options: unknown) {
        const child = new FakeChild(entry, args, options);
        state.children.push(child);
        return child;
      },
    },
    Menu: {
      buildFromTemplate: (template: unknown[]) => ({ template }),
      setApplicationMenu(menu: { template: unknown[] }) {
        state.menu = menu.template;
      },
    },
    dialog: {
      showOpenDialog: async () => state.openDialogResult,
      showSaveDialog: async (_owner: unknown, options: { defaultPath: string }) => {
        state.saveDefaults.push(options.defaultPath);
        return state.saveDialogResult;
      },
      showErrorBox: (title: string) => state.errorBoxes.push(title),
      showMessageBox: async () => ({ response: 0 }),
    },
  };
  return { electron, state, app, session, FakeWindow };
});

vi.mock('electron', () => ({ ...fake.electron, default: fake.electron }));

const { state, session, FakeWindow } = fake;
const repo = path.resolve(import.meta.dirname, '..');
const pageUrl = pathToFileURL(path.join(repo, 'renderer', 'dist', 'index.html')).href;
let window: InstanceType<typeof FakeWindow>;
let tmp: string;

/** An IPC event from our window's main frame (or, with changes, from somewhere else). */
function fromWindow(changes: Partial<{ sender: unknown; senderFrame: unknown }> = {}) {
  return { sender: window.webContents, senderFrame: { url: `${pageUrl}#/gallery`, parent: null }, ...changes };
}

function invoke(channel: string, event: unknown, ...args: unknown[]): Promise<unknown> {
  const handler = state.handlers.get(channel);
  if (!handler) throw new Error(`no handler for ${channel}`);
  return Promise.resolve(handler(event, ...args));
}

const child = () => state.children.at(-1)!;
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'polychrome-electron-'));
  await import('../electron/main.ts');
  await flush();
  window = FakeWindow.all[0];
  // The engine host says it is ready: queued grants and calls go through from now on.
  child().emit('message', { type: 'ready', backend: 'fake backend' });
});

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('the window', () => {
  it('is sandboxed, context-isolated, without Node, with web security, and uses the compiled preload', () => {
    expect(fake.app.sandboxed).toBe(true);
    expect(FakeWindow.all).toHaveLength(1);
    const prefs = window.options.webPreferences;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, nodeIntegrationInWorker: false, nodeIntegrationInSubFrames: false, webSecurity: true, allowRunningInsecureContent: false, webviewTag: false });
    expect(prefs.preload).toBe(path.join(repo, 'electron', 'dist', 'preload.cjs'));
  });

  it('loads the built studio, or says it is not built', () => {
    if (window.loaded) expect(window.loaded).toBe(path.join(repo, 'renderer', 'dist', 'index.html'));
    else expect(state.errorBoxes).toContain('Polychrome is not built');
  });

  it('never navigates away from the studio page', () => {
    const navigate = (url: string, name = 'will-navigate') => {
      const event = { preventDefault: vi.fn() };
      window.webContents.emit(name, event, url);
      return event.preventDefault.mock.calls.length > 0;
    };
    expect(navigate('https://example.com/')).toBe(true);
    expect(navigate('http://127.0.0.1:4747/')).toBe(true);
    expect(navigate('file:///etc/passwd')).toBe(true);
    expect(navigate(pathToFileURL(path.join(repo, 'renderer', 'dist', 'other.html')).href)).toBe(true);
    expect(navigate('https://example.com/', 'will-redirect')).toBe(true);
    expect(navigate(`${pageUrl}#/timeline`)).toBe(false);
    expect(navigate(pageUrl)).toBe(false);
  });

  it('denies window.open and <webview>', () => {
    expect(window.webContents.windowOpenHandler!({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
    expect(window.webContents.windowOpenHandler!({ url: pageUrl })).toEqual({ action: 'deny' });
    const event = { preventDefault: vi.fn() };
    window.webContents.emit('will-attach-webview', event, {}, {});
    expect(event.preventDefault).toHaveBeenCalled();
  });

  it('hardens every web contents created later (devtools, anything else)', () => {
    const contents = { on: vi.fn(), setWindowOpenHandler: vi.fn() };
    fake.app.emit('web-contents-created', {}, contents);
    expect(contents.setWindowOpenHandler).toHaveBeenCalled();
    expect(contents.setWindowOpenHandler.mock.calls[0][0]()).toEqual({ action: 'deny' });
  });
});

describe('the session', () => {
  it('denies every permission request and check', () => {
    for (const permission of ['media', 'geolocation', 'notifications', 'openExternal', 'clipboard-read']) {
      const callback = vi.fn();
      session.permissionRequest!(window.webContents, permission, callback, {});
      expect(callback).toHaveBeenCalledWith(false);
      expect(session.permissionCheck!(window.webContents, permission, 'file://', {})).toBe(false);
    }
  });

  it('blocks remote requests and lets the studio files, inline images and devtools through', () => {
    const cancelled = (url: string) => {
      const callback = vi.fn();
      session.beforeRequest!({ url, method: 'GET', resourceType: 'xhr' }, callback);
      return callback.mock.calls[0][0].cancel;
    };
    expect(cancelled('https://example.com/tracker.js')).toBe(true);
    expect(cancelled('http://127.0.0.1:4747/api/info')).toBe(true);
    expect(cancelled('wss://example.com/socket')).toBe(true);
    expect(cancelled('ftp://example.com/file')).toBe(true);
    expect(cancelled('not a url')).toBe(true);
    expect(cancelled(`${pageUrl}`)).toBe(false);
    expect(cancelled('data:image/png;base64,AAAA')).toBe(false);
    expect(cancelled('blob:file:///1234')).toBe(false);
    expect(cancelled('devtools://devtools/bundled/devtools_app.html')).toBe(false);
  });

  it('sets the content security policy on responses, replacing any the response had', () => {
    const callback = vi.fn();
    session.headersReceived!({ url: 'http://x/', responseHeaders: { 'content-security-policy': ["default-src *"], 'Content-Type': ['text/html'] } }, callback);
    const headers = callback.mock.calls[0][0].responseHeaders as Record<string, string[]>;
    expect(headers['Content-Security-Policy']).toEqual([CONTENT_SECURITY_POLICY]);
    expect(headers['content-security-policy']).toBeUndefined();
    expect(headers['Content-Type']).toEqual(['text/html']);
  });

  it('uses the same policy as the browser server and, when built, the renderer meta tag', async () => {
    expect(CONTENT_SECURITY_POLICY).toBe(SERVER_CSP);
    expect(CONTENT_SECURITY_POLICY).toMatch(/default-src 'self'/);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|https?:/);
    const html = await fs.readFile(path.join(repo, 'renderer', 'index.html'), 'utf8').catch(() => null);
    if (html) expect(html).toContain(CONTENT_SECURITY_POLICY);
  });
});

describe('the engine host', () => {
  it('runs engine/host/utility.js in a utility process with the host options', async () => {
    expect(state.children).toHaveLength(1);
    expect(child().entry).toBe(path.join(repo, 'engine', 'host', 'utility.js'));
    const { hostOptionsFromArgs } = await import('../engine/host/utility-main.ts');
    expect(hostOptionsFromArgs(child().args)).toEqual({
      builtInModels: path.join(repo, 'resources', 'models'), userModels: path.join('/tmp/polychrome-fake-userData', 'models'), roots: [],
    });
  });
});

describe('IPC', () => {
  beforeEach(() => {
    child().posted.length = 0;
    window.webContents.sent.length = 0;
  });

  it('has one channel per operation of the contract, the dialog, drop and session channels, and nothing else', () => {
    const expected = [...OPERATIONS.map((operation) => `engine:${operation}`), 'dialog:open-files', 'dialog:choose-folder', 'dialog:save-target', 'files:dropped', 'session:info'];
    expect([...state.handlers.keys()].sort()).toEqual(expected.sort());
    expect(state.handlers.has('engine:invoke')).toBe(false);
    expect(state.handlers.has('engine:frobnicate')).toBe(false);
    expect(state.handlers.has('invoke')).toBe(false);
  });

  it('forwards a valid call to the host and returns its answer', async () => {
    const answer = invoke('engine:sample', fromWindow(), { photoId: 'p1', count: 4, temperature: 0.8, seed: 7 });
    await flush();
    const call = child().posted.find((m) => m.type === 'call');
    expect(call).toMatchObject({ type: 'call', operation: 'sample', args: { photoId: 'p1', count: 4, temperature: 0.8, seed: 7 } });
    child().emit('message', { type: 'result', id: call.id, ok: true, value: [{ id: 's1' }] });
    await expect(answer).resolves.toEqual([{ id: 's1' }]);
  });

  it('rejects with the engine\'s message when the engine refuses', async () => {
    const answer = invoke('engine:closePhoto', fromWindow(), { photoId: 'p9' });
    await flush();
    const call = child().posted.find((m) => m.type === 'call');
    child().emit('message', { type: 'result', id: call.id, ok: false, error: 'closePhoto: no photo p9' });
    await expect(answer).rejects.toThrow('closePhoto: no photo p9');
  });

  it('refuses malformed arguments with a clear error, before the host sees them', async () => {
    await expect(invoke('engine:sample', fromWindow(), { photoId: 'p1', count: 100, temperature: 1, seed: 1 })).rejects.toThrow(/^sample: count: /);
    await expect(invoke('engine:sample', fromWindow(), { photoId: 'p1', count: 2, temperature: 1, seed: 1, extra: true })).rejects.toThrow(/^sample: /);
    await expect(invoke('engine:openPhoto', fromWindow(), 'just a string')).rejects.toThrow(/^openPhoto: /);
    await expect(invoke('engine:openPhoto', fromWindow(), { file: 'a\0b' })).rejects.toThrow(/NUL/);
    await expect(invoke('engine:selectModel', fromWindow(), { name: '../../etc' })).rejects.toThrow(/^selectModel: name: /);
    await expect(invoke('engine:pauseJob', fromWindow(), {})).rejects.toThrow(/^pauseJob: jobId: /);
    await flush();
    expect(child().posted.filter((m) => m.type === 'call')).toEqual([]);
  });

  it('refuses calls that do not come from the studio window\'s main frame', async () => {
    const foreign = [
      fromWindow({ sender: { id: 99 } }),
      fromWindow({ senderFrame: { url: 'https://example.com/', parent: null } }),
      fromWindow({ senderFrame: { url: `${pageUrl}`, parent: { url: pageUrl } } }),
      fromWindow({ senderFrame: null }),
      fromWindow({ senderFrame: { url: 'file:///tmp/evil.html', parent: null } }),
    ];
    for (const event of foreign) {
      await expect(invoke('engine:info', event, {})).rejects.toThrow(/did not come from the Polychrome window/);
      await expect(invoke('files:dropped', event, [tmp])).rejects.toThrow(/did not come from the Polychrome window/);
      await expect(invoke('session:info', event)).rejects.toThrow(/did not come from the Polychrome window/);
    }
    await flush();
    expect(child().posted).toEqual([]);
  }, 10_000);

  it('checks dropped paths: absolute, existing files or folders; grants them', async () => {
    const photo = path.join(tmp, 'photo.png');
    await fs.writeFile(photo, 'x');
    await fs.mkdir(path.join(tmp, 'folder'));
    await expect(invoke('files:dropped', fromWindow(), ['relative/photo.png'])).rejects.toThrow(/files:dropped: "relative\/photo.png" is not an absolute path/);
    await expect(invoke('files:dropped', fromWindow(), [path.join(tmp, 'missing.png')])).rejects.toThrow(/files:dropped: .*missing.png does not exist/);
    await expect(invoke('files:dropped', fromWindow(), photo)).rejects.toThrow(/expected an array/);
    await expect(invoke('files:dropped', fromWindow(), [42])).rejects.toThrow(/non-empty text/);
    await expect(invoke('files:dropped', fromWindow(), [photo, 'relative.png'])).rejects.toThrow(/not an absolute path/);
    await flush();
    expect(child().posted).toEqual([]);

    await expect(invoke('files:dropped', fromWindow(), [photo, path.join(tmp, 'folder', '..', 'folder')])).resolves.toEqual([photo, path.join(tmp, 'folder')]);
    expect(child().posted).toEqual([{ type: 'grant', path: photo }, { type: 'grant', path: path.join(tmp, 'folder') }]);
    const info = await invoke('session:info', fromWindow()) as { mode: string; roots: string[]; outputDir: string };
    expect(info.mode).toBe('electron');
    expect(info.outputDir).toBe(path.join('/tmp/polychrome-fake-pictures', 'Polychrome'));
    expect(info.roots).toEqual(expect.arrayContaining([info.outputDir, photo, path.join(tmp, 'folder')]));
  });

  it('grants what the user chose in the open, folder and save dialogs', async () => {
    state.openDialogResult = { canceled: false, filePaths: [path.join(tmp, 'a.jpg'), path.join(tmp, 'b.jpg')] };
    await expect(invoke('dialog:open-files', fromWindow())).resolves.toEqual([path.join(tmp, 'a.jpg'), path.join(tmp, 'b.jpg')]);
    state.openDialogResult = { canceled: false, filePaths: [path.join(tmp, 'out')] };
    await expect(invoke('dialog:choose-folder', fromWindow(), 'Batch output')).resolves.toBe(path.join(tmp, 'out'));
    state.saveDialogResult = { canceled: false, filePath: path.join(tmp, 'picked.jpg') };
    await expect(invoke('dialog:save-target', fromWindow(), '../../etc/passwd')).resolves.toBe(path.join(tmp, 'picked.jpg'));
    // The suggested name is only a name, in the export folder.
    expect(state.saveDefaults.at(-1)).toBe(path.join('/tmp/polychrome-fake-pictures', 'Polychrome', 'passwd'));
    expect(child().posted).toEqual(['a.jpg', 'b.jpg', 'out', 'picked.jpg'].map((name) => ({ type: 'grant', path: path.join(tmp, name) })));

    child().posted.length = 0;
    state.openDialogResult = { canceled: true, filePaths: [] };
    await expect(invoke('dialog:open-files', fromWindow())).resolves.toEqual([]);
    await expect(invoke('dialog:choose-folder', fromWindow())).resolves.toBeNull();
    state.saveDialogResult = { canceled: true, filePath: undefined };
    await expect(invoke('dialog:save-target', fromWindow(), 'x.jpg')).resolves.toBeNull();
    await expect(invoke('dialog:choose-folder', fromWindow(), { not: 'a title' })).rejects.toThrow(/dialog:choose-folder: the title/);
    expect(child().posted).toEqual([]);
  });

  it('sends the engine\'s events to the window', () => {
    const event = { type: 'job', job: { id: 'j1', kind: 'batch', state: 'running', done: 1, total: 3, detail: 'a.jpg', errors: [], outputs: [] } };
    child().emit('message', { type: 'event', event });
    child().emit('message', { type: 'event', event: { type: 'loss', jobId: 'j2', step: 5, train: 3.2 } });
    expect(window.webContents.sent).toEqual([['engine:event', event], ['engine:event', { type: 'loss', jobId: 'j2', step: 5, train: 3.2 }]]);
  });
});

describe('the menu', () => {
  type Item = MenuItemConstructorOptions;
  const items = (template: Item[]): Item[] => template.flatMap((item) => [item, ...(Array.isArray(item.submenu) ? items(item.submenu) : [])]);
  const actions = () => ({ navigate: vi.fn(), command: vi.fn(), about: vi.fn(), quit: vi.fn() });

  for (const platform of ['linux', 'win32', 'darwin'] as const) {
    it(`has the studio's shortcuts (${platform})`, () => {
      const a = actions();
      const all = items(menuTemplate(a, { platform, developer: false }));
      const byId = (id: string) => all.find((item) => item.id === id)!;
      expect(byId('open-photos')).toMatchObject({ label: 'Open photos…', accelerator: 'CmdOrCtrl+O' });
      expect(byId('export')).toMatchObject({ label: 'Export…', accelerator: 'CmdOrCtrl+E' });
      expect(all.some((item) => item.accelerator === 'CmdOrCtrl+Q')).toBe(true);
      expect(byId('about')).toBeDefined();
      VIEWS.forEach((view, index) => {
        const item = byId(`view-${view.id}`);
        expect(item).toMatchObject({ label: view.label, accelerator: `CmdOrCtrl+${index + 1}` });
        (item.click as () => void)();
        expect(a.navigate).toHaveBeenLastCalledWith(view.id);
      });
      (byId('open-photos').click as () => void)();
      expect(a.command).toHaveBeenLastCalledWith('open-photos');
      (byId('export').click as () => void)();
      expect(a.command).toHaveBeenLastCalledWith('export');
      expect(all.some((item) => item.role === 'toggleDevTools')).toBe(false);
      expect(VIEWS.map((v) => v.label)).toEqual(['Library', 'Gallery', 'Transfer', 'Timeline', 'Batch', 'Train']);
    });
  }

  it('is installed by main; its View items send navigate to the window and File items a menu command', () => {
    expect(state.menu).not.toBeNull();
    window.webContents.sent.length = 0;
    const all = items(state.menu as Item[]);
    (all.find((item) => item.id === 'view-gallery')!.click as () => void)();
    (all.find((item) => item.id === 'view-train')!.click as () => void)();
    (all.find((item) => item.id === 'open-photos')!.click as () => void)();
    expect(window.webContents.sent).toEqual([['navigate', 'gallery'], ['navigate', 'train'], ['menu', 'open-photos']]);
    // Developer items only when not packaged.
    expect(all.some((item) => item.role === 'toggleDevTools')).toBe(true);
  });
});

describe('helpers', () => {
  it('isAppUrl compares the document, not the fragment, and only file URLs', () => {
    expect(isAppUrl(`${pageUrl}#/x`, pageUrl)).toBe(true);
    expect(isAppUrl(`${pageUrl}?a=1`, pageUrl)).toBe(true);
    expect(isAppUrl('https://example.com/', pageUrl)).toBe(false);
    expect(isAppUrl('garbage', pageUrl)).toBe(false);
  });

  it('remoteRequestFilter answers every request exactly once', () => {
    const callback = vi.fn();
    remoteRequestFilter({ url: 'https://a/' }, callback);
    remoteRequestFilter({ url: '::' }, callback);
    expect(callback).toHaveBeenCalledTimes(2);
  });
});
