// A batch killed at any moment (SIGKILL: no chance to clean up) and then resumed ends with exactly
// the outputs of an uninterrupted run, byte for byte: no duplicate, none missing, no temporary file.
// Ctrl-C (SIGINT) stops after the current file with exit code 130 and a consistent manifest.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../engine/backend.ts';
import { ColorizationModel } from '../engine/model/colorization-model.ts';
import { saveModel } from '../engine/model/model-folder.ts';
import { TINY } from './configs.ts';

const CLI = path.resolve('engine/bin/polychrome.js');
const MANIFEST = 'polychrome-batch.json';
const TEMPORARY = /(^|\/)\..+\.\d+-[0-9a-f]{8}\.tmp$/;
const STACK_LINE = /^ {4}at /m;
/** Two samples per photo: a kill can fall between the two outputs of one photo. */
const SAMPLES = '2';

interface Finished { code: number | null; signal: NodeJS.Signals | null; stderr: string }

function batch(input: string, out: string, ...extra: string[]): { child: ChildProcess; done: Promise<Finished> } {
  const child = spawn('node', [CLI, 'batch', input, '--out', out, '--samples', SAMPLES, '--model', model, ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
  const done = new Promise<Finished>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
  return { child, done };
}

/** Every regular file below dir (hidden ones included), relative to dir, sorted; [] before it exists. */
async function filesBelow(dir: string): Promise<string[]> {
  try {
    const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
  } catch {
    return []; // not created yet, or a folder changed while it was read
  }
}

/** Finished outputs: files that are neither the manifest nor a temporary (hidden) file. */
const outputsOf = (files: string[]) => files.filter((f) => f !== MANIFEST && !path.basename(f).startsWith('.'));

/** Polls until ready() holds or the process has exited; true when ready() held. */
async function waitFor(ready: () => Promise<boolean>, exited: () => boolean): Promise<boolean> {
  for (;;) {
    if (await ready()) return true;
    if (exited()) return false;
    await new Promise((resolve) => setTimeout(resolve, 3));
  }
}

async function hashes(dir: string, files: string[]): Promise<Record<string, string>> {
  const entries = await Promise.all(files.map(async (f) => [f, createHash('sha256').update(await fs.readFile(path.join(dir, f))).digest('hex')] as const));
  return Object.fromEntries(entries);
}

async function readManifest(out: string): Promise<{ files: Record<string, { status: string; outputs: string[]; error?: string }> }> {
  return JSON.parse(await fs.readFile(path.join(out, MANIFEST), 'utf8'));
}

/** A 64x48 photo, different for each seed, as JPEG or PNG by the name's extension. */
async function photo(file: string, seed: number): Promise<void> {
  const width = 64, height = 48;
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const x = i % width, y = Math.floor(i / width);
    raw[i * 3] = (x * 4 + seed * 29) % 256;
    raw[i * 3 + 1] = (y * 5 + seed * 53) % 256;
    raw[i * 3 + 2] = Math.round(127 + 120 * Math.sin((x + y + seed * 7) / 9));
  }
  await fs.mkdir(path.dirname(file), { recursive: true });
  const image = sharp(raw, { raw: { width, height, channels: 3 } });
  await (file.endsWith('.png') ? image.png() : image.jpeg({ quality: 85 })).toFile(file);
}

let root: string;
let model: string;
let input: string;
/** The uninterrupted run: output paths (relative) and their SHA-256. */
let reference: Record<string, string>;
let referenceManifest: Awaited<ReturnType<typeof readManifest>>;
let runs = 0;

/** A fresh output folder for one scenario. */
const freshOut = () => path.join(root, `out-${++runs}`);

/** Resumes the batch in out to completion and checks it against the reference run. */
async function resumeAndCompare(out: string): Promise<void> {
  const resumed = await batch(input, out, '--resume').done;
  expect(resumed.stderr).not.toMatch(STACK_LINE);
  expect(resumed.code, resumed.stderr).toBe(0);
  const files = await filesBelow(out);
  expect(files.filter((f) => TEMPORARY.test(f))).toEqual([]);
  expect(outputsOf(files)).toEqual(Object.keys(reference).sort());
  expect(files).toEqual([...Object.keys(reference), MANIFEST].sort());
  for (const file of Object.keys(reference)) {
    const { data, info } = await sharp(path.join(out, file)).raw().toBuffer({ resolveWithObject: true });
    expect(data.length, file).toBe(info.width * info.height * info.channels);
  }
  expect(await hashes(out, Object.keys(reference))).toEqual(reference);
  expect(await readManifest(out)).toEqual(referenceManifest);
}

describe('batch killed and resumed', () => {
  beforeAll(async () => {
    await initBackend();
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'polychrome-batch-kill-'));
    model = path.join(root, 'model');
    const cinn = new ColorizationModel(TINY);
    await saveModel(cinn, model);
    cinn.dispose();
    input = path.join(root, 'photos');
    const names = ['a.jpg', 'b.png', 'c.jpg', 'trip/d.jpg', 'trip/e.png', 'trip/day 2/f.jpg', 'trip/day 2/g.png', 'z.jpg'];
    await Promise.all(names.map((name, k) => photo(path.join(input, name), k + 1)));

    const out = freshOut();
    const result = await batch(input, out).done;
    expect(result.code, result.stderr).toBe(0);
    const files = outputsOf(await filesBelow(out));
    expect(files).toHaveLength(names.length * Number(SAMPLES));
    reference = await hashes(out, files);
    referenceManifest = await readManifest(out);
  });
  afterAll(async () => { await fs.rm(root, { recursive: true, force: true }); });

  it('runs deterministically: a second uninterrupted run writes the same bytes', async () => {
    const out = freshOut();
    const result = await batch(input, out).done;
    expect(result.code, result.stderr).toBe(0);
    expect(await hashes(out, outputsOf(await filesBelow(out)))).toEqual(reference);
  });

  it('SIGKILL right after start, then --resume: exactly the reference outputs', async () => {
    const out = freshOut();
    const { child, done } = batch(input, out);
    child.kill('SIGKILL');
    expect((await done).signal).toBe('SIGKILL');
    await resumeAndCompare(out);
  });

  it('SIGKILL once the manifest exists (first photo planned), then --resume', async () => {
    const out = freshOut();
    const { child, done } = batch(input, out);
    let exited = false;
    void done.then(() => { exited = true; });
    const ready = await waitFor(() => fs.access(path.join(out, MANIFEST)).then(() => true, () => false), () => exited);
    child.kill('SIGKILL');
    const result = await done;
    expect(ready, result.stderr).toBe(true);
    expect(result.signal).toBe('SIGKILL');
    expect(outputsOf(await filesBelow(out)).length).toBeLessThan(Object.keys(reference).length);
    await resumeAndCompare(out);
  });

  for (const k of [1, 3, 5]) {
    it(`SIGKILL after ${k} output(s), then --resume: no duplicate, none missing, same bytes${k === 5 ? ', stale temporaries removed' : ''}`, async () => {
      const out = freshOut();
      const { child, done } = batch(input, out);
      let exited = false;
      void done.then(() => { exited = true; });
      const ready = await waitFor(async () => outputsOf(await filesBelow(out)).length >= k, () => exited);
      child.kill('SIGKILL');
      const result = await done;
      expect(ready, result.stderr).toBe(true);
      expect(result.signal).toBe('SIGKILL');
      const left = outputsOf(await filesBelow(out));
      expect(left.length).toBeGreaterThanOrEqual(k);
      expect(left.length).toBeLessThan(Object.keys(reference).length); // killed before the end
      // Whatever the killed run left is complete: atomic writes, never half a file.
      expect(await hashes(out, left)).toEqual(Object.fromEntries(left.map((f) => [f, reference[f]])));
      // Names are recorded in the manifest (valid JSON at any moment) before their files are written.
      const claimed = Object.values((await readManifest(out)).files).flatMap((e) => e.outputs);
      for (const file of left) expect(claimed, file).toContain(file);
      if (k === 5) {
        // Temporaries as a kill between writing one and linking it into place leaves them: --resume removes them.
        await fs.mkdir(path.join(out, 'trip'), { recursive: true });
        await fs.writeFile(path.join(out, 'trip', '.d-1.jpg.4242-0badf00d.tmp'), 'half a file');
        await fs.writeFile(path.join(out, '.polychrome-batch.json.4242-deadbeef.tmp'), '{"version": 1, "fi');
      }
      await resumeAndCompare(out);
    });
  }

  it('Ctrl-C stops after the current file with exit code 130 and a valid manifest; --resume completes', async () => {
    const out = freshOut();
    const { child, done } = batch(input, out);
    let exited = false;
    void done.then(() => { exited = true; });
    // The manifest appears when the first photo's outputs are planned: the job is running, and
    // seven photos are still to come, so the interrupt cannot arrive after the end.
    const ready = await waitFor(() => fs.access(path.join(out, MANIFEST)).then(() => true, () => false), () => exited);
    child.kill('SIGINT');
    const result = await done;
    expect(ready, result.stderr).toBe(true);
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(result.signal, result.stderr).toBeNull();
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toContain('finishing the current file, then stopping');
    expect(result.stderr).toContain('stopped before the end (run again with --resume to continue)');
    const manifest = await readManifest(out); // valid JSON
    const entries = Object.values(manifest.files);
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.length).toBeLessThan(Object.keys(referenceManifest.files).length);
    // The current file was finished, not abandoned half-way.
    for (const entry of entries) expect(entry.status).toBe('done');
    const files = await filesBelow(out);
    expect(files.filter((f) => TEMPORARY.test(f))).toEqual([]);
    expect(outputsOf(files).sort()).toEqual(entries.flatMap((e) => e.outputs).sort());
    await resumeAndCompare(out);
  });

  it('a second Ctrl-C quits at once with exit code 130; --resume still completes', async () => {
    const out = freshOut();
    const { child, done } = batch(input, out);
    let exited = false;
    void done.then(() => { exited = true; });
    const ready = await waitFor(() => fs.access(path.join(out, MANIFEST)).then(() => true, () => false), () => exited);
    child.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 20)); // let the first one be handled
    child.kill('SIGINT');
    const result = await done;
    expect(ready, result.stderr).toBe(true);
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(result.code, result.stderr).toBe(130);
    await readManifest(out); // still valid JSON: it is only ever replaced atomically
    await resumeAndCompare(out);
  });
});
