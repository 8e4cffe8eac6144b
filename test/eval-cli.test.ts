import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../engine/backend.ts';
import { RegressionModel } from '../engine/baselines/regression.ts';
import { ColorizationModel } from '../engine/model/colorization-model.ts';
import { makeConfig } from '../engine/model/config.ts';
import { saveModel } from '../engine/model/model-folder.ts';
import { TINY } from './configs.ts';

const run = promisify(execFile);
const CLI = path.resolve('engine/bin/polychrome.js');
let dir: string;

describe('polychrome eval', () => {
  beforeAll(async () => {
    await initBackend();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'polychrome-eval-'));
    const photos = path.join(dir, 'photos');
    await fs.mkdir(photos);
    // Photos of any size and format: a wide JPEG, a tall PNG, a 16-bit PNG.
    await sharp({ create: { width: 40, height: 24, channels: 3, background: { r: 200, g: 60, b: 40 } } }).jpeg().toFile(path.join(photos, 'wide.jpg'));
    await sharp({ create: { width: 20, height: 50, channels: 3, background: { r: 30, g: 90, b: 220 } } }).png().toFile(path.join(photos, 'tall.png'));
    await sharp({ create: { width: 32, height: 32, channels: 3, background: { r: 40, g: 180, b: 70 } } }).toColourspace('rgb16').png().toFile(path.join(photos, 'deep.png'));
    await fs.writeFile(path.join(photos, 'broken.jpg'), 'not an image');
    const cinn = new ColorizationModel(TINY);
    await saveModel(cinn, path.join(dir, 'cinn'));
    cinn.dispose();
    const regression = new RegressionModel(makeConfig({ ...TINY, kind: 'regression' }));
    await saveModel(regression, path.join(dir, 'regression'));
    regression.dispose();
  });
  afterAll(async () => { await fs.rm(dir, { recursive: true, force: true }); });

  it('--json prints exactly one JSON object with the protocol\'s keys; a broken file is reported, not fatal', async () => {
    const { stdout, stderr } = await run('node', [CLI, 'eval', '--model', path.join(dir, 'cinn'), '--data', path.join(dir, 'photos'), '--json', '--samples', '4']);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const result = JSON.parse(lines[0]);
    expect(Object.keys(result).sort()).toEqual(['best_of_8_rms', 'colourfulness', 'colourfulness_truth', 'images', 'nll_bpd', 'single_rms', 'variance']);
    expect(result.images).toBe(3);
    expect(result.variance).toBeGreaterThan(0);
    expect(result.best_of_8_rms).toBeLessThan(result.single_rms);
    expect(Number.isFinite(result.nll_bpd)).toBe(true);
    expect(stderr).toMatch(/skipped .*broken\.jpg/);
  });

  it('evaluates a regression baseline: one prediction, no variance, no NLL', async () => {
    const { stdout } = await run('node', [CLI, 'eval', '--model', path.join(dir, 'regression'), '--data', path.join(dir, 'photos'), '--json']);
    const result = JSON.parse(stdout);
    expect(result.variance).toBe(0);
    expect(result.best_of_8_rms).toBeCloseTo(result.single_rms, 6);
    expect(result.nll_bpd).toBeNull();
  });
});
