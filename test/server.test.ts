// The browser server: loopback only, a token on every API call, the contract's validation over
// HTTP, uploads of dropped photos, events as server-sent events, static files with the CSP.
import { promises as fs } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../engine/backend.ts';
import { ColorizationModel } from '../engine/model/colorization-model.ts';
import { saveModel } from '../engine/model/model-folder.ts';
import { type RunningServer, startServer } from '../engine/server/server.ts';
import { SMALL } from './configs.ts';

let dir: string;
let server: RunningServer;
let base: string;
let png: Buffer;

const api = (route: string, body?: unknown, token: string | null = server.token) => fetch(`${base}/api/${route}`, {
  method: 'POST', headers: token ? { 'X-Polychrome-Token': token } : {}, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
});

/** A GET with any Host header (fetch will not let a page choose it). */
function getWithHost(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: server.port, path: '/', headers: { Host: host } }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    }).on('error', reject);
  });
}

beforeAll(async () => {
  await initBackend();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'polychrome-server-'));
  await fs.mkdir(path.join(dir, 'static'));
  await fs.writeFile(path.join(dir, 'static', 'index.html'), '<!doctype html><title>Polychrome</title>');
  const model = new ColorizationModel(SMALL);
  await saveModel(model, path.join(dir, 'models', 'default'));
  model.dispose();
  await fs.mkdir(path.join(dir, 'photos'));
  png = await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 90, g: 90, b: 90 } } }).png().toBuffer();
  await fs.writeFile(path.join(dir, 'photos', 'a.png'), png);
  await fs.writeFile(path.join(dir, 'secret.png'), png);
  server = await startServer({
    port: 0, roots: [path.join(dir, 'photos')], staticDir: path.join(dir, 'static'),
    builtInModels: path.join(dir, 'models'), userModels: path.join(dir, 'user-models'), importsDir: path.join(dir, 'imports'),
  });
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(async () => {
  await server?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('browser server', () => {
  it('refuses to listen anywhere but loopback', async () => {
    for (const host of ['0.0.0.0', '192.168.1.20', '::']) {
      await expect(startServer({ port: 0, host, roots: [dir], staticDir: path.join(dir, 'static'), builtInModels: '', userModels: '' }))
        .rejects.toThrow(/refusing to serve on .*127\.0\.0\.1 \(loopback\) only/);
    }
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]{32}$/);
  });

  it('serves the studio with its Content-Security-Policy, and only to its own Host', async () => {
    const response = await fetch(`${base}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await response.text()).toContain('<title>Polychrome</title>');
    expect((await fetch(`${base}/../secret.png`)).status).toBe(404);
    expect(await getWithHost('evil.example:80')).toBe(403);
  });

  it('refuses a missing or wrong token, unknown operations and malformed requests, with clear errors', async () => {
    let response = await api('info', {}, null);
    expect(response.status).toBe(401);
    expect((await response.json()).error).toMatch(/missing or wrong token/);
    expect((await api('info', {}, 'x'.repeat(32))).status).toBe(401);
    expect((await fetch(`${base}/api/events`)).status).toBe(401);
    response = await api('deleteEverything', {});
    expect(response.status).toBe(404);
    expect((await response.json()).error).toBe('deleteEverything: unknown operation');
    response = await api('sample', { photoId: 'p1', count: 'many', temperature: 1, seed: 1 });
    expect(response.status).toBe(400);
    expect((await response.json()).error).toMatch(/^sample: count: /);
    response = await api('openPhoto', '{not json');
    expect((await response.json()).error).toMatch(/not valid JSON/);
    response = await api('openPhoto', { file: path.join(dir, 'secret.png') });
    expect(response.status).toBe(400);
    expect((await response.json()).error).toMatch(/secret\.png is outside the folders you chose/);
    const download = await fetch(`${base}/api/file?path=${encodeURIComponent(path.join(dir, 'secret.png'))}&token=${server.token}`);
    expect(download.status).toBe(403);
  });

  it('runs operations, takes uploads of dropped photos and streams job events', async () => {
    const info = await (await api('info', {})).json();
    expect(info).toMatchObject({ ok: true, value: { model: 'default' } });
    const upload = await fetch(`${base}/api/upload?name=${encodeURIComponent('../dropped photo.png')}`, { method: 'POST', headers: { 'X-Polychrome-Token': server.token }, body: new Uint8Array(png) });
    const { value: { file } } = await upload.json();
    expect(file).toBe(path.join(dir, 'imports', 'dropped photo.png'));
    const opened = await (await api('openPhoto', { file })).json();
    expect(opened.value).toMatchObject({ name: 'dropped photo.png', width: 40, height: 30 });
    const samples = await (await api('sample', { photoId: opened.value.id, count: 2, temperature: 1, seed: 1 })).json();
    expect(samples.value).toHaveLength(2);

    const events: unknown[] = [];
    const controller = new AbortController();
    const stream = await fetch(`${base}/api/events?token=${server.token}`, { signal: controller.signal });
    const reader = stream.body!.getReader();
    const reading = (async () => {
      let text = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += new TextDecoder().decode(value);
        for (const match of text.matchAll(/^data: (.*)$/gm)) events.push(JSON.parse(match[1]));
        text = text.slice(text.lastIndexOf('\n') + 1);
        if (events.some((e) => (e as { job?: { state: string } }).job?.state === 'done')) return;
      }
    })();
    const started = await (await api('startBatch', { input: path.join(dir, 'photos'), output: path.join(dir, 'photos', 'out'), samples: 1, temperature: 1, seed: 1, best: false, resume: false })).json();
    expect(started.value.jobId).toMatch(/^j\d+$/);
    await reading;
    controller.abort();
    const last = events.at(-1) as { job: { state: string; outputs: string[] } };
    expect(last.job.state).toBe('done');
    expect(last.job.outputs).toEqual([path.join(dir, 'photos', 'out', 'a.png')]);
    const download = await fetch(`${base}/api/file?path=${encodeURIComponent(last.job.outputs[0])}&token=${server.token}`);
    expect(download.status).toBe(200);
    expect((await sharp(Buffer.from(await download.arrayBuffer())).metadata()).width).toBe(40);
  });
});
