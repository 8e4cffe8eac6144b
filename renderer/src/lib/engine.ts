// The one client every view uses: the Electron preload's bridge when present, otherwise the
// browser server's HTTP API. Only types come from the engine's contract.
import type { EngineEvent, Operation, Request, Results } from '../../../engine/api/contract.ts';

export interface SessionInfo {
  mode: 'electron' | 'browser';
  roots: string[];
  outputDir: string;
}

/** What Electron's preload exposes (one function per operation, plus dialogs and drops). */
type Bridge = { [O in Operation]: (request: Request<O>) => Promise<Results[O]> } & {
  onEvent(listener: (event: EngineEvent) => void): () => void;
  importFiles(files: File[]): Promise<string[]>;
  chooseFiles(): Promise<string[]>;
  chooseFolder(title: string): Promise<string | null>;
  chooseSaveTarget(suggestedName: string): Promise<string | null>;
  session(): Promise<SessionInfo>;
  onNavigate?(listener: (view: string) => void): () => void;
  onMenu?(listener: (command: 'open-photos' | 'export') => void): () => void;
};

const bridge = (window as unknown as { polychrome?: Bridge }).polychrome;

function browserToken(): string {
  const match = /token=([\w-]+)/.exec(location.hash);
  if (match) {
    sessionStorage.setItem('polychrome-token', match[1]);
    history.replaceState(null, '', location.pathname + location.search);
  }
  return sessionStorage.getItem('polychrome-token') ?? '';
}

const token = bridge ? '' : browserToken();

async function http<T>(method: string, route: string, body?: BodyInit, contentType = 'application/json'): Promise<T> {
  const response = await fetch(`./api/${route}`, { method, headers: { 'X-Polychrome-Token': token, 'Content-Type': contentType }, body });
  const reply = await response.json().catch(() => ({ ok: false, error: `${route}: the server answered ${response.status}` }));
  if (!reply.ok) throw new Error(reply.error);
  return reply.value as T;
}

export const mode: 'electron' | 'browser' = bridge ? 'electron' : 'browser';

export function call<O extends Operation>(operation: O, request: Request<O>): Promise<Results[O]> {
  // Indexing the bridge by a generic operation loses the pairing of request and result types.
  if (bridge) return (bridge[operation] as unknown as (request: Request<O>) => Promise<Results[O]>)(request);
  return http<Results[O]>('POST', operation, JSON.stringify(request));
}

export function onEvent(listener: (event: EngineEvent) => void): () => void {
  if (bridge) return bridge.onEvent(listener);
  const source = new EventSource(`./api/events?token=${encodeURIComponent(token)}`);
  source.onmessage = (message) => listener(JSON.parse(message.data) as EngineEvent);
  return () => source.close();
}

/** Paths of dropped or picked files: granted by Electron, uploaded to the browser server. */
export async function importFiles(files: File[]): Promise<string[]> {
  if (bridge) return bridge.importFiles(files);
  const paths: string[] = [];
  for (const file of files) {
    const { file: saved } = await http<{ file: string }>('POST', `upload?name=${encodeURIComponent(file.name)}`, file, 'application/octet-stream');
    paths.push(saved);
  }
  return paths;
}

export function session(): Promise<SessionInfo> {
  return bridge ? bridge.session() : http<SessionInfo>('GET', 'session');
}

/** Native dialogs exist only in Electron; the browser mode types paths instead. */
export const dialogs = bridge ? {
  chooseFiles: () => bridge.chooseFiles(),
  chooseFolder: (title: string) => bridge.chooseFolder(title),
  chooseSaveTarget: (name: string) => bridge.chooseSaveTarget(name),
} : null;

export function onNavigate(listener: (view: string) => void): () => void {
  return bridge?.onNavigate?.(listener) ?? (() => {});
}

/** File › Open photos… and Export… from the application menu. */
export function onMenu(listener: (command: 'open-photos' | 'export') => void): () => void {
  return bridge?.onMenu?.(listener) ?? (() => {});
}

/** A link that downloads a written file (browser mode). */
export function downloadUrl(file: string): string | null {
  return bridge ? null : `./api/file?path=${encodeURIComponent(file)}&token=${encodeURIComponent(token)}`;
}
