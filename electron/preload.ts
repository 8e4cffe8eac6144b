// The sandboxed preload (compiled to CommonJS: electron/dist/preload.cjs). A sandboxed preload can
// only require a few of electron's modules, so the contract cannot be loaded here at run time: the
// operation names are listed below (a test checks the list equals the contract's OPERATIONS), and
// only types come from the contract. The page gets `window.polychrome`: one named function per
// operation, never a generic invoke, plus events, dialogs, dropped files and the session.
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import type { EngineEvent, Operation, Request, Results } from '../engine/api/contract.ts';

/** Every operation of the contract, in its order. */
export const OPERATION_NAMES = [
  'info', 'listModels', 'selectModel', 'listPhotos', 'openPhoto', 'closePhoto', 'sample', 'reroll', 'setSaturation', 'rerollRegion',
  'ambiguity', 'loupe', 'transfer', 'timeline', 'exportSample', 'exportTimeline', 'startBatch', 'startFinetune',
  'pauseJob', 'resumeJob', 'cancelJob',
] as const satisfies readonly Operation[];

// Compile-time half of the check: an operation missing from the list is a type error here.
type Missing = Exclude<Operation, (typeof OPERATION_NAMES)[number]>;
const everyOperationListed: [Missing] extends [never] ? true : Missing = true;
void everyOperationListed;

export type ViewId = 'library' | 'gallery' | 'transfer' | 'timeline' | 'batch' | 'train';
export type MenuCommand = 'open-photos' | 'export';

export interface SessionInfo {
  mode: 'electron';
  /** Files and folders the engine may touch (dialogs, drops, the export folder). */
  roots: string[];
  /** Default export folder (Pictures/Polychrome). */
  outputDir: string;
}

export type EngineApi = { [O in Operation]: (request: Request<O>) => Promise<Results[O]> };

export interface PolychromeApi extends EngineApi {
  /** Job and loss events; returns the function that stops listening. */
  onEvent(listener: (event: EngineEvent) => void): () => void;
  /** Paths of dropped File objects, checked and granted by the main process. */
  importFiles(files: File[]): Promise<string[]>;
  /** Native open dialog (photos); [] when cancelled. Chosen files are granted. */
  chooseFiles(): Promise<string[]>;
  /** Native folder dialog; null when cancelled. The folder is granted. */
  chooseFolder(title?: string): Promise<string | null>;
  /** Native save dialog in the export folder; null when cancelled. The file is granted. */
  chooseSaveTarget(suggestedName?: string): Promise<string | null>;
  session(): Promise<SessionInfo>;
  /** View > Library … Train (Ctrl/Cmd+1..6). */
  onNavigate(listener: (view: ViewId) => void): () => void;
  /** File > Open photos… / Export… */
  onMenu(listener: (command: MenuCommand) => void): () => void;
}

/** The one function per operation, each bound to its own channel. */
function operation<O extends Operation>(name: O): EngineApi[O] {
  const channel = `engine:${name}`;
  return ((request: Request<O>) => ipcRenderer.invoke(channel, request)) as EngineApi[O];
}

/** Listens on one channel, passing the payload only (never the IPC event, which holds the sender). */
function subscribe<T>(channel: string, listener: (payload: T) => void): () => void {
  if (typeof listener !== 'function') throw new TypeError('expected a listener function');
  const handler = (_event: unknown, payload: T) => listener(payload);
  ipcRenderer.on(channel, handler);
  return () => {
    ipcRenderer.removeListener(channel, handler);
  };
}

const engine = Object.fromEntries(OPERATION_NAMES.map((name) => [name, operation(name)])) as unknown as EngineApi;

export const api: PolychromeApi = {
  ...engine,
  onEvent: (listener) => subscribe<EngineEvent>('engine:event', listener),
  async importFiles(files) {
    const paths = Array.from(files ?? [], (file) => webUtils.getPathForFile(file)).filter((p) => typeof p === 'string' && p.length > 0);
    return paths.length ? (ipcRenderer.invoke('files:dropped', paths) as Promise<string[]>) : [];
  },
  chooseFiles: () => ipcRenderer.invoke('dialog:open-files'),
  chooseFolder: (title) => ipcRenderer.invoke('dialog:choose-folder', title),
  chooseSaveTarget: (suggestedName) => ipcRenderer.invoke('dialog:save-target', suggestedName),
  session: () => ipcRenderer.invoke('session:info'),
  onNavigate: (listener) => subscribe<ViewId>('navigate', listener),
  onMenu: (listener) => subscribe<MenuCommand>('menu', listener),
};

contextBridge.exposeInMainWorld('polychrome', api);
