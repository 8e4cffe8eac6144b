// The studio end to end in real Chromium (Debian's, driven by playwright-core) against the browser
// server with the real engine and a small test model: every flow asserts on what the page shows
// and on the files written, and leaves a screenshot of its view in docs/screenshots/.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../engine/backend.ts';
import { ColorizationModel } from '../../engine/model/colorization-model.ts';
import { saveModel } from '../../engine/model/model-folder.ts';
import { SMALL } from '../configs.ts';
import { randomiseWeights } from '../helpers.ts';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = path.resolve('docs/screenshots');
let dir: string;
let server: ChildProcess;
let browser: Browser;
let page: Page;

async function photo(file: string, seed: number, gray = false, width = 96, height = 64): Promise<void> {
  const rgb = Buffer.alloc(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    const x = p % width, y = Math.floor(p / width);
    rgb[p * 3] = 120 + 100 * Math.sin((x + seed * 17) / 14);
    rgb[p * 3 + 1] = 120 + 90 * Math.cos((y + seed * 5) / 11);
    rgb[p * 3 + 2] = (x * 2 + y + seed * 40) % 256;
  }
  const image = sharp(rgb, { raw: { width, height, channels: 3 } });
  await (gray ? image.toColourspace('b-w') : image).png().toFile(file);
}

/** Drops a file on an element the way a desktop drag does: a DataTransfer holding a File. */
async function dropFile(selector: string, file: string): Promise<void> {
  const bytes = Array.from(await fs.readFile(file));
  const transfer = await page.evaluateHandle(({ bytes, name }) => {
    const data = new DataTransfer();
    data.items.add(new File([new Uint8Array(bytes)], name, { type: 'image/png' }));
    return data;
  }, { bytes, name: path.basename(file) });
  await page.dispatchEvent(selector, 'drop', { dataTransfer: transfer });
}

const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
const byTest = (id: string) => page.locator(`[data-testid="${id}"]`);

beforeAll(async () => {
  execFileSync(process.execPath, [path.resolve('node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'error'], { stdio: 'inherit' });
  await initBackend();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'polychrome-e2e-'));
  const model = new ColorizationModel(SMALL);
  randomiseWeights(model.store, 0.02, 3);
  await saveModel(model, path.join(dir, 'models', 'default'));
  model.dispose();
  for (const sub of ['drops', 'batch', 'own']) await fs.mkdir(path.join(dir, sub));
  await photo(path.join(dir, 'drops', 'street scan.png'), 1, true, 240, 160);
  await photo(path.join(dir, 'drops', 'reference.png'), 4);
  await photo(path.join(dir, 'batch', 'first.png'), 2, true);
  await photo(path.join(dir, 'batch', 'second.png'), 3, true);
  for (let i = 0; i < 6; i++) await photo(path.join(dir, 'own', `own-${i}.png`), 10 + i);
  await fs.mkdir(SCREENSHOTS, { recursive: true });

  server = spawn(process.execPath, ['engine/bin/polychrome.js', 'serve', '--port', '0', '--root', dir,
    '--models', path.join(dir, 'models'), '--user-models', path.join(dir, 'user-models'), '--imports', path.join(dir, 'imports')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    server.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = /Polychrome studio: (\S+)/.exec(text);
      if (match) resolve(match[1]);
    });
    server.once('exit', (code) => reject(new Error(`the server exited with ${code}`)));
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await page.goto(url);
});

afterAll(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

describe.skipIf(!existsSync(CHROMIUM))('the studio in Chromium', () => {
  it('imports a dropped photo into the library (and the address no longer shows the token)', async () => {
    await expect.poll(() => byTest('backend').textContent()).toMatch(/wasm|cpu|tensorflow/i);
    expect(page.url()).not.toContain('token');
    await dropFile('main', path.join(dir, 'drops', 'street scan.png'));
    await expect.poll(() => byTest('library-photo').count()).toBe(1);
    expect(await byTest('library-photo').textContent()).toContain('street scan.png');
    // The dropped bytes reached the engine as a file, unchanged.
    expect((await fs.readFile(path.join(dir, 'imports', 'street scan.png'))).equals(await fs.readFile(path.join(dir, 'drops', 'street scan.png')))).toBe(true);
    await shot('library');
  });

  it('gallery: N samples, the most probable marked, re-roll one, ambiguity map, export', async () => {
    await byTest('library-photo').click();
    await byTest('sample-count').fill('4');
    await byTest('sample').click();
    await expect.poll(() => byTest('sample-card').count()).toBe(4);
    expect(await byTest('most-probable').count()).toBe(1);
    const before = await byTest('sample-image').first().getAttribute('src');
    await byTest('reroll').first().click();
    await expect.poll(() => byTest('sample-image').first().getAttribute('src')).not.toBe(before);
    await expect.poll(() => byTest('loupe').locator('canvas').count()).toBeGreaterThan(0);
    await byTest('before-after').fill('0.5');
    await shot('gallery');
    await byTest('toggle-ambiguity').click();
    await expect.poll(() => byTest('ambiguity-map').isVisible()).toBe(true);
    await shot('ambiguity');
    const target = path.join(dir, 'exports', 'street scan colour.jpg');
    await byTest('export-target').fill(target);
    await byTest('export').click();
    await expect.poll(() => byTest('exported').textContent()).toContain(target);
    expect((await sharp(target).metadata()).width).toBe(240);
  });

  it('region re-roll with the brush changes the sample', async () => {
    const before = await byTest('sample-image').first().getAttribute('src');
    await byTest('sample-image').first().click();
    await byTest('brush').click();
    const box = (await byTest('loupe').boundingBox())!;
    await page.mouse.move(box.x + 60, box.y + 60);
    await page.mouse.down();
    await page.mouse.move(box.x + 160, box.y + 100, { steps: 5 });
    await page.mouse.up();
    await byTest('reroll-region').click();
    await expect.poll(() => byTest('sample-image').first().getAttribute('src')).not.toBe(before);
  });

  it('transfer: a reference dropped on the photo gives a result beside both', async () => {
    await byTest('nav-transfer').click();
    await dropFile('[data-testid="reference-drop"]', path.join(dir, 'drops', 'reference.png'));
    await expect.poll(() => byTest('reference-image').isVisible()).toBe(true);
    await byTest('transfer').click();
    await expect.poll(() => byTest('transfer-result').isVisible()).toBe(true);
    await shot('transfer');
    // The result is the chosen sample in the gallery: export it.
    await byTest('nav-gallery').click();
    expect(await byTest('sample-card').last().textContent()).toContain('from reference.png');
    const target = path.join(dir, 'exports', 'transferred.png');
    await byTest('export-target').fill(target);
    await byTest('export').click();
    await expect.poll(() => byTest('exported').textContent()).toContain(target);
    expect((await sharp(target).metadata()).exif?.toString('latin1')).toMatch(/colour transfer from reference\.png/);
  });

  it('timeline: two keyframes, preview and scrub, export PNG frames and an animation', async () => {
    await byTest('nav-timeline').click();
    await byTest('add-keyframe').nth(0).click();
    await byTest('add-keyframe').nth(1).click();
    expect(await byTest('track').getAttribute('data-keyframes')).toBe('2');
    await byTest('frame-count').fill('4');
    await byTest('preview-timeline').click();
    await expect.poll(() => byTest('timeline-frame').isVisible()).toBe(true);
    await byTest('scrub').fill('3');
    const out = path.join(dir, 'timelines');
    await byTest('timeline-output').fill(out);
    await byTest('export-timeline').click();
    await expect.poll(() => byTest('timeline-written').textContent()).toContain('4 frames');
    expect((await fs.readdir(path.join(out, 'street scan timeline'))).sort()).toEqual(['frame-0001.png', 'frame-0002.png', 'frame-0003.png', 'frame-0004.png']);
    expect(existsSync(path.join(out, 'street scan.webp'))).toBe(true);
    await shot('timeline');
  });

  it('batch: two photos with progress to 2 of 2 and their files written', async () => {
    await byTest('nav-batch').click();
    await byTest('batch-input').fill(path.join(dir, 'batch'));
    const out = path.join(dir, 'batch-out');
    await byTest('batch-output').fill(out);
    await byTest('start-batch').click();
    await expect.poll(() => byTest('batch-state').textContent(), { timeout: 60_000 }).toBe('done');
    expect(await byTest('batch-progress').getAttribute('data-done')).toBe('2');
    expect(await byTest('batch-progress').getAttribute('data-total')).toBe('2');
    expect((await fs.readdir(out)).sort()).toEqual(['first.png', 'polychrome-batch.json', 'second.png']);
    await shot('batch');
  });

  it('train: a short fine-tune draws the loss as it goes and adds the model to the picker', async () => {
    await byTest('nav-train').click();
    await byTest('train-data').fill(path.join(dir, 'own'));
    await byTest('train-name').fill('e2e model');
    await byTest('train-steps').fill('6');
    await byTest('start-train').click();
    await expect.poll(async () => Number(await byTest('loss-plot').getAttribute('data-points')), { timeout: 60_000 }).toBeGreaterThanOrEqual(2);
    await expect.poll(() => byTest('train-state').textContent(), { timeout: 90_000 }).toBe('done');
    expect(Number(await byTest('loss-plot').getAttribute('data-points'))).toBeGreaterThanOrEqual(6);
    await expect.poll(() => byTest('model-picker').locator('option').allTextContents()).toContain('e2e model (yours)');
    expect(existsSync(path.join(dir, 'user-models', 'e2e model', 'model.json'))).toBe(true);
    await shot('train');
  });
});
