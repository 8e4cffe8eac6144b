// The Electron security checklist in one place, as plain functions the tests can call with fakes:
// the window's web preferences, the content security policy (also sent as a header on any http
// response), no navigation away from the studio, no new windows, no permissions, no remote content,
// and the check that an IPC call comes from our own window's main frame.
// Only types come from electron here, so this module loads without it.
import type { Event, HandlerDetails, Session, WebContents, WebPreferences, WindowOpenHandlerResponse } from 'electron';

/** The same policy as the browser server's header and renderer/index.html's meta tag. */
export const CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/** Schemes the renderer may load from: the studio's own files, inline previews, and devtools. */
const ALLOWED_SCHEMES = new Set(['file:', 'data:', 'blob:', 'devtools:']);

/** The main window's preferences: isolated, sandboxed, no Node in the page, web security on. */
export function windowWebPreferences(preload: string): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
  };
}

/** A URL without its query and fragment (the studio routes with the fragment). */
function documentOf(url: string): string | null {
  try {
    const parsed = new URL(url);
    parsed.hash = '';
    parsed.search = '';
    return parsed.href;
  } catch {
    return null;
  }
}

/** True when `url` is the studio page itself (any fragment or query). */
export function isAppUrl(url: string, appUrl: string): boolean {
  const document = documentOf(url);
  return document !== null && new URL(url).protocol === 'file:' && document === documentOf(appUrl);
}

/** `will-navigate` / `will-redirect`: only the studio page itself (e.g. a fragment change). */
export function navigationGuard(appUrl: string): (event: Pick<Event, 'preventDefault'>, url: string) => void {
  return (event, url) => {
    if (!isAppUrl(url, appUrl)) event.preventDefault();
  };
}

/** `setWindowOpenHandler`: no window ever opens from the page. */
export function denyWindowOpen(_details?: HandlerDetails): WindowOpenHandlerResponse {
  return { action: 'deny' };
}

/** `setPermissionRequestHandler`: camera, notifications, geolocation, ... all refused. */
export function denyPermissionRequest(_webContents: unknown, _permission: string, callback: (granted: boolean) => void): void {
  callback(false);
}

/** `setPermissionCheckHandler`: nothing is granted. */
export function denyPermissionCheck(): boolean {
  return false;
}

/** `webRequest.onBeforeRequest`: http(s), websockets and every other remote scheme are cancelled. */
export function remoteRequestFilter(details: { url: string }, callback: (response: { cancel?: boolean }) => void): void {
  let scheme: string;
  try {
    scheme = new URL(details.url).protocol;
  } catch {
    callback({ cancel: true });
    return;
  }
  callback({ cancel: !ALLOWED_SCHEMES.has(scheme) });
}

/** `webRequest.onHeadersReceived`: the policy replaces whatever a response said about it. */
export function cspHeaders(
  details: { responseHeaders?: Record<string, string | string[]> },
  callback: (response: { responseHeaders: Record<string, string | string[]> }) => void,
): void {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(details.responseHeaders ?? {})) {
    const lower = name.toLowerCase();
    if (lower === 'content-security-policy' || lower === 'content-security-policy-report-only') continue;
    headers[name] = value;
  }
  headers['Content-Security-Policy'] = [CONTENT_SECURITY_POLICY];
  headers['X-Content-Type-Options'] = ['nosniff'];
  callback({ responseHeaders: headers });
}

type SessionLike = {
  setPermissionRequestHandler: Session['setPermissionRequestHandler'];
  setPermissionCheckHandler: Session['setPermissionCheckHandler'];
  webRequest: Pick<Session['webRequest'], 'onBeforeRequest' | 'onHeadersReceived'>;
};

/** Applies the session-wide rules: permissions, remote requests, CSP header. */
export function hardenSession(session: SessionLike): void {
  session.setPermissionRequestHandler(denyPermissionRequest);
  session.setPermissionCheckHandler(denyPermissionCheck);
  session.webRequest.onBeforeRequest(remoteRequestFilter);
  session.webRequest.onHeadersReceived(cspHeaders);
}

type ContentsLike = Pick<WebContents, 'on' | 'setWindowOpenHandler'>;

/** Rules for every web contents created (windows, devtools): no new windows, no <webview>. */
export function hardenContents(contents: ContentsLike): void {
  contents.setWindowOpenHandler(denyWindowOpen);
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/** Rules for the studio window: it never leaves its page. */
export function hardenWindowContents(contents: ContentsLike, appUrl: string): void {
  hardenContents(contents);
  const guard = navigationGuard(appUrl);
  contents.on('will-navigate', (event, url) => guard(event, url));
  contents.on('will-redirect', (event, url) => guard(event, url));
}

/** What an IPC event says about where it came from. */
export interface SenderInfo {
  sender: unknown;
  senderFrame?: { url: string; parent?: unknown } | null;
}

/**
 * A check that an IPC message comes from our window's main frame showing the studio page, not from
 * another web contents, a sub-frame, or a page the window was somehow navigated to.
 */
export function senderGuard(ourContents: () => unknown, appUrl: string): (event: SenderInfo) => boolean {
  return (event) => {
    const contents = ourContents();
    const frame = event.senderFrame;
    return contents != null && event.sender === contents && frame != null && !frame.parent && isAppUrl(frame.url, appUrl);
  };
}
