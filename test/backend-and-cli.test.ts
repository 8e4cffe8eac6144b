import * as tf from '@tensorflow/tfjs';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { currentBackend, initBackend } from '../engine/backend.ts';

const run = promisify(execFile);
const CLI = path.resolve('engine/bin/polychrome.js');

describe('backend selection', () => {
  it('picks a working backend and reports it', async () => {
    const info = await initBackend(null);
    expect(['tensorflow', 'wasm', 'cpu']).toContain(info.name);
    expect(tf.getBackend()).toBe(info.name);
    expect(currentBackend()).toEqual(info);
    expect(info.label).toMatch(/@tensorflow\//);
  });

  it('honours a forced backend', async () => {
    expect((await initBackend('cpu')).name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect((await initBackend('wasm')).name).toBe('wasm');
  });

  it('refuses an unknown POLYCHROME_BACKEND and explains a backend that cannot load', async () => {
    await expect(run('node', [CLI, 'info'], { env: { ...process.env, POLYCHROME_BACKEND: 'quantum' } }))
      .rejects.toMatchObject({ stderr: expect.stringMatching(/POLYCHROME_BACKEND=quantum is not a backend: use tensorflow, wasm or cpu/) });
    const nativeInstalled = existsSync(path.resolve('node_modules/@tensorflow/tfjs-node'));
    if (!nativeInstalled) {
      await expect(run('node', [CLI, 'info'], { env: { ...process.env, POLYCHROME_BACKEND: 'tensorflow' } }))
        .rejects.toMatchObject({ stderr: expect.stringMatching(/No tfjs backend could be started:[\s\S]*tfjs-node/) });
    }
  });
});

describe('the CLI', () => {
  it('prints the backend banner and the default architecture', async () => {
    const { stdout, stderr } = await run('node', [CLI, 'info'], { env: { ...process.env, POLYCHROME_BACKEND: 'wasm' } });
    expect(stderr).toMatch(/^Polychrome \d+\.\d+\.\d+ · engine backend: @tensorflow\/tfjs-backend-wasm/);
    expect(stdout).toMatch(/latent: +parts of 1024 \+ 512 \+ 256 \+ 256 = 2048 dimensions/);
  });

  it('exits with an error for an unknown benchmark', async () => {
    await expect(run('node', [CLI, 'bench', 'everything'])).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/unknown benchmark "everything"/) });
  });
});
