// `npm start` (electron/start.js): Electron when its binary and a display are there, otherwise the
// browser mode, always with the reason said. --check prints the decision without starting anything.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '..');
const start = path.join(repo, 'electron', 'start.js');
let tmp: string;

function decide(env: Record<string, string | undefined>, ...args: string[]): { mode: string; electron?: string; reason?: string } {
  const clean: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, DISPLAY: undefined, WAYLAND_DISPLAY: undefined, POLYCHROME_MODE: undefined, ...env })) {
    if (value !== undefined) clean[key] = value;
  }
  const result = spawnSync(process.execPath, [start, '--check', ...args], { encoding: 'utf8', env: clean, timeout: 60_000 });
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!);
}

/** A stand-in for node_modules/electron. */
async function fakeElectron(name: string, withBinary: boolean): Promise<string> {
  const dir = path.join(tmp, name);
  await fs.mkdir(path.join(dir, 'dist'), { recursive: true });
  await fs.writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'electron', main: 'index.js' }));
  // Like electron's index.js offline: it tries to download the binary and fails.
  await fs.writeFile(path.join(dir, 'index.js'), "console.log('Downloading Electron binary...'); console.error('TypeError: fetch failed'); throw new Error('Electron failed to install correctly.');\n");
  if (withBinary) {
    await fs.writeFile(path.join(dir, 'path.txt'), 'electron');
    await fs.writeFile(path.join(dir, 'dist', 'electron'), '#!/bin/sh\n', { mode: 0o755 });
  }
  return dir;
}

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'polychrome-start-'));
});

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('npm start (electron/start.js)', () => {
  it('uses Electron when its binary is installed and there is a display', async () => {
    const dir = await fakeElectron('installed', true);
    expect(decide({ POLYCHROME_ELECTRON_DIR: dir, DISPLAY: ':99' })).toEqual({ mode: 'electron', electron: path.join(dir, 'dist', 'electron') });
  });

  it('falls back to the browser mode when the binary cannot be downloaded, and says why', async () => {
    const dir = await fakeElectron('missing', false);
    const decision = decide({ POLYCHROME_ELECTRON_DIR: dir, DISPLAY: ':99' });
    expect(decision.mode).toBe('browser');
    expect(decision.reason).toMatch(/Electron binary is not installed and could not be downloaded \(TypeError: fetch failed\)/);
    expect(decide({ POLYCHROME_ELECTRON_DIR: dir, DISPLAY: ':99', POLYCHROME_ELECTRON_DOWNLOAD: '0' }).reason).toMatch(/POLYCHROME_ELECTRON_DOWNLOAD=0/);
    expect(decide({ POLYCHROME_ELECTRON_DIR: path.join(tmp, 'nowhere'), DISPLAY: ':99' }).reason).toMatch(/electron package is not installed/);
  });

  it.runIf(process.platform === 'linux')('falls back to the browser mode without a display', async () => {
    const dir = await fakeElectron('installed-no-display', true);
    expect(decide({ POLYCHROME_ELECTRON_DIR: dir })).toEqual({ mode: 'browser', reason: expect.stringMatching(/no display/) });
    expect(decide({ POLYCHROME_ELECTRON_DIR: dir, WAYLAND_DISPLAY: 'wayland-0' }).mode).toBe('electron');
  });

  it('goes straight to the browser mode with --browser or POLYCHROME_MODE=browser', async () => {
    const dir = await fakeElectron('installed-forced', true);
    expect(decide({ POLYCHROME_ELECTRON_DIR: dir, DISPLAY: ':99' }, '--browser')).toEqual({ mode: 'browser', reason: '--browser was given' });
    expect(decide({ POLYCHROME_ELECTRON_DIR: dir, DISPLAY: ':99', POLYCHROME_MODE: 'browser' })).toEqual({ mode: 'browser', reason: 'POLYCHROME_MODE=browser' });
  });

  it.runIf(existsSync(path.join(repo, 'renderer', 'dist', 'index.html')))('starts `polychrome serve` in the browser mode and forwards its output', async () => {
    const child = spawn(process.execPath, [start, '--browser', '--port', '0'], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (chunk) => {
          out += chunk;
          const match = /Polychrome studio: (http:\/\/127\.0\.0\.1:\d+\/#token=\S+)/.exec(out);
          if (match) resolve(match[1]);
        });
        child.on('exit', (code) => reject(new Error(`exited with ${code}: ${out}`)));
      });
      expect(line).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=/);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
