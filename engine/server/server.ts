// The browser mode: the built studio and the engine API over HTTP + server-sent events, on the
// loopback interface only, with a random token per run. The engine runs in a worker thread, so
// the server answers while it works.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { OPERATIONS } from '../api/contract.ts';
import { PathPolicy } from '../api/paths.ts';
import { EngineClient } from '../host/client.ts';
import type { HostOptions } from '../host/protocol.ts';
import { writeNewFileAtomic } from '../io/atomic.ts';

export const LOOPBACK_HOSTS = ['127.0.0.1', '::1', 'localhost'];

/** The same policy as renderer/index.html's meta tag. */
export const CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

const MAX_REQUEST_BYTES = 10 * 1024 * 1024;
const MAX_UPLOAD_BYTES = 512 * 1024 * 1024;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.webp': 'image/webp',
  '.gif': 'image/gif', '.tif': 'image/tiff', '.tiff': 'image/tiff', '.json': 'application/json', '.woff2': 'font/woff2', '.ico': 'image/x-icon',
};

export interface ServerOptions {
  port: number;
  host?: string;
  /** Folders requests may touch. */
  roots: string[];
  /** The built renderer (renderer/dist). */
  staticDir: string;
  builtInModels: string;
  userModels: string;
  model?: string;
  /** Where photos dropped into the browser are stored (granted). */
  importsDir?: string;
  finetuneBatch?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  token: string;
  engine: EngineClient;
  backend: string;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function send(response: http.ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  response.end(JSON.stringify(body));
}

async function readBody(request: http.IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, `the request is larger than ${Math.round(limit / 1024 / 1024)} MB`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** A file name safe to create: the last path part, without control or path characters. */
function safeName(name: string): string {
  const base = path.basename(name.replace(/\\/g, '/')).replace(/[\u0000-\u001f<>:"/\\|?*]/g, '_').trim();
  return base && base !== '.' && base !== '..' ? base.slice(0, 200) : 'photo';
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK_HOSTS.includes(host)) throw new Error(`refusing to serve on ${host}: the browser mode listens on 127.0.0.1 (loopback) only`);
  const staticDir = path.resolve(options.staticDir);
  await fs.access(path.join(staticDir, 'index.html')).catch(() => {
    throw new Error(`the studio is not built: ${path.join(staticDir, 'index.html')} is missing (run npm run build:renderer)`);
  });
  const importsDir = options.importsDir ?? await fs.mkdtemp(path.join(os.tmpdir(), 'polychrome-imports-'));
  await fs.mkdir(importsDir, { recursive: true });
  const roots = options.roots.map((root) => path.resolve(root));
  const paths = new PathPolicy([...roots, importsDir]);
  const hostOptions: HostOptions = {
    builtInModels: options.builtInModels, userModels: options.userModels, roots: paths.granted, model: options.model, finetuneBatch: options.finetuneBatch,
  };
  const engine = EngineClient.start(hostOptions);
  const backend = await engine.ready;
  const token = randomBytes(24).toString('base64url');
  const tokenBytes = Buffer.from(token);
  const streams = new Set<http.ServerResponse>();
  engine.onEvent((event) => {
    const data = `data: ${JSON.stringify(event)}\n\n`;
    for (const stream of streams) stream.write(data);
  });

  const authorised = (given: string | null | undefined) => {
    const bytes = Buffer.from(given ?? '');
    return bytes.length === tokenBytes.length && timingSafeEqual(bytes, tokenBytes);
  };

  let port = options.port;
  const server = http.createServer((request, response) => {
    handle(request, response).catch((error: Error) => {
      if (!response.headersSent) send(response, error instanceof HttpError ? error.status : 500, { ok: false, error: error.message });
      else response.end();
    });
  });

  async function handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    // Only pages of this origin: a page elsewhere that resolves its name to 127.0.0.1 is refused.
    const hostHeader = request.headers.host ?? '';
    if (![`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`].includes(hostHeader)) throw new HttpError(403, `unexpected Host header "${hostHeader}"`);
    const url = new URL(request.url ?? '/', `http://${hostHeader}`);
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Referrer-Policy', 'no-referrer');
    response.setHeader('X-Frame-Options', 'DENY');
    if (!url.pathname.startsWith('/api/')) return serveStatic(url.pathname, response);

    const headerToken = request.headers['x-polychrome-token'];
    const given = typeof headerToken === 'string' ? headerToken : url.searchParams.get('token');
    if (!authorised(given)) throw new HttpError(401, 'missing or wrong token: open the address printed by `polychrome serve`');
    const route = url.pathname.slice('/api/'.length);

    if (route === 'events' && request.method === 'GET') {
      response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
      response.write(': connected\n\n');
      streams.add(response);
      const keepAlive = setInterval(() => response.write(': keep-alive\n\n'), 15_000);
      request.on('close', () => {
        clearInterval(keepAlive);
        streams.delete(response);
      });
      return;
    }
    if (route === 'session' && request.method === 'GET') {
      return send(response, 200, { ok: true, value: { mode: 'browser', roots, outputDir: path.join(roots[0] ?? importsDir, 'Polychrome') } });
    }
    if (route === 'upload' && request.method === 'POST') {
      const name = safeName(url.searchParams.get('name') ?? 'photo');
      const body = await readBody(request, MAX_UPLOAD_BYTES);
      const file = await writeNewFileAtomic(path.join(importsDir, name), body);
      return send(response, 200, { ok: true, value: { file } });
    }
    if (route === 'file' && request.method === 'GET') {
      let file: string;
      try {
        file = paths.check(url.searchParams.get('path') ?? '');
      } catch (error) {
        throw new HttpError(403, (error as Error).message);
      }
      const stat = await fs.stat(file).catch(() => null);
      if (!stat?.isFile()) throw new HttpError(404, `${file} does not exist`);
      response.writeHead(200, {
        'Content-Type': CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
        'Content-Length': stat.size, 'Content-Disposition': `attachment; filename*=UTF-8''${encodeURIComponent(path.basename(file))}`,
      });
      createReadStream(file).pipe(response);
      return;
    }
    if (request.method !== 'POST') throw new HttpError(405, `${request.method} is not allowed on ${url.pathname}`);
    if (!(OPERATIONS as string[]).includes(route)) throw new HttpError(404, `${route}: unknown operation`);
    let args: unknown;
    try {
      const body = await readBody(request, MAX_REQUEST_BYTES);
      args = body.length ? JSON.parse(body.toString('utf8')) : {};
    } catch (error) {
      if (error instanceof HttpError) throw error;
      throw new HttpError(400, `${route}: the request body is not valid JSON`);
    }
    try {
      send(response, 200, { ok: true, value: await engine.call(route, args) });
    } catch (error) {
      throw new HttpError(400, (error as Error).message);
    }
  }

  async function serveStatic(pathname: string, response: http.ServerResponse): Promise<void> {
    const relative = decodeURIComponent(pathname === '/' ? '/index.html' : pathname);
    const file = path.resolve(staticDir, `.${relative}`);
    if (!file.startsWith(staticDir + path.sep)) throw new HttpError(403, 'outside the studio');
    const body = await fs.readFile(file).catch(() => null);
    if (!body) throw new HttpError(404, `${pathname} not found`);
    response.writeHead(200, {
      'Content-Type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'Cache-Control': 'no-cache',
    });
    response.end(body);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  port = (server.address() as { port: number }).port;
  const shownHost = host === '::1' ? '[::1]' : host === 'localhost' ? '127.0.0.1' : host;
  return {
    url: `http://${shownHost}:${port}/#token=${token}`, port, token, engine, backend,
    async close() {
      for (const stream of streams) stream.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await engine.stop();
    },
  };
}
