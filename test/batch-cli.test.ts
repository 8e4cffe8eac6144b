// The `batch` and `colorize` commands end to end, through the real CLI with a tiny model: the
// awkward-input corpus (per-file errors, unusual valid images, skipped files), inputs never
// touched, existing outputs never overwritten, and the manifest's resume rules.
import { execFile, type ExecFileOptions } from 'node:child_process';
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
import { type CorpusFile, makeBadInputCorpus, sha256Of } from './support/bad-inputs.ts';

const CLI = path.resolve('engine/bin/polychrome.js');
const MANIFEST = 'polychrome-batch.json';
/** A line of a JavaScript stack trace: what a crash (uncaught exception) prints. */
const STACK_LINE = /^ {4}at /m;

interface CliResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** Runs the CLI and resolves with its exit code and output, whatever the code. */
function cli(args: string[], options: ExecFileOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile('node', [CLI, ...args], { maxBuffer: 16 << 20, encoding: 'utf8', ...options }, (error, stdout, stderr) => {
      const code = error ? (error as { code?: unknown }).code : 0;
      if (typeof code === 'string') return reject(error); // could not start node at all
      resolve({ code: (code as number | null | undefined) ?? null, signal: (error as { signal?: NodeJS.Signals } | null)?.signal ?? null, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** Every regular file below dir (hidden ones included), relative to dir, sorted. */
async function filesBelow(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
}

async function sha256(file: string): Promise<string> {
  return createHash('sha256').update(await fs.readFile(file)).digest('hex');
}

/** The output name the batch should give an input: same stem, the input's format when writable, else PNG. */
function mirroredName(relative: string): string {
  const parsed = path.parse(relative);
  const extension = { '.jpg': '.jpg', '.jpeg': '.jpg', '.png': '.png', '.tif': '.tif', '.tiff': '.tif', '.webp': '.webp' }[parsed.ext.toLowerCase()] ?? '.png';
  return path.join(parsed.dir, `${parsed.name}${extension}`);
}

const numbered = (name: string, n: number) => (n <= 1 ? name : name.replace(/(\.[^.]*)$/, ` (${n})$1`));

/** Upright size of an image as sharp reads it: EXIF orientations 5-8 swap width and height. */
async function uprightSize(file: string): Promise<{ width: number; height: number }> {
  const meta = await sharp(file).metadata();
  return (meta.orientation ?? 1) >= 5 ? { width: meta.height!, height: meta.width! } : { width: meta.width!, height: meta.height! };
}

async function readManifest(out: string): Promise<{ input: string; settings: Record<string, unknown>; files: Record<string, { status: string; outputs: string[]; error?: string }> }> {
  return JSON.parse(await fs.readFile(path.join(out, MANIFEST), 'utf8'));
}

/** A small photo with a gradient so the model has some lightness structure to work with. */
async function photo(file: string, width = 40, height = 30): Promise<void> {
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const x = i % width, y = Math.floor(i / width);
    raw[i * 3] = (x * 255) / width;
    raw[i * 3 + 1] = (y * 255) / height;
    raw[i * 3 + 2] = ((x + y) * 127) / (width + height);
  }
  await fs.mkdir(path.dirname(file), { recursive: true });
  const image = sharp(raw, { raw: { width, height, channels: 3 } });
  await (file.endsWith('.png') ? image.png() : image.jpeg()).toFile(file);
}

let root: string;
let model: string;

describe('polychrome batch and colorize', () => {
  beforeAll(async () => {
    await initBackend();
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'polychrome-batch-cli-'));
    model = path.join(root, 'model');
    const cinn = new ColorizationModel(TINY);
    await saveModel(cinn, model);
    cinn.dispose();
  });
  afterAll(async () => {
    // A read-only folder left by a failed test must not stop the clean-up.
    await fs.chmod(path.join(root, 'read-only'), 0o755).catch(() => {});
    await fs.rm(root, { recursive: true, force: true });
  });

  describe('the awkward-input corpus', () => {
    let corpus: CorpusFile[];
    let input: string;
    let out: string;
    let result: CliResult;
    let before: Map<string, string>;
    const rel = (file: CorpusFile) => path.relative(input, file.path);

    beforeAll(async () => {
      input = path.join(root, 'corpus');
      out = path.join(root, 'corpus-out');
      corpus = await makeBadInputCorpus(input);
      before = await sha256Of(corpus.map((f) => f.path));
      result = await cli(['batch', input, '--out', out, '--samples', '1', '--model', model]);
    });

    it('finishes with exit code 2 (some files failed) and never crashes', () => {
      expect(result.signal, result.stderr).toBeNull();
      expect(result.stderr).not.toMatch(STACK_LINE);
      expect(result.stderr).not.toMatch(/Unhandled|uncaught|TypeError|RangeError|ReferenceError/i);
      expect(result.code, result.stderr).toBe(2);
      const ok = corpus.filter((f) => f.expect === 'ok').length;
      const failed = corpus.filter((f) => f.expect === 'error' && !f.path.endsWith('folder.jpg')).length;
      expect(result.stderr).toContain(`${ok} of ${ok + failed} photos colorized, ${ok} files written`);
      expect(result.stderr).toContain(`${failed} failed:`);
      // Hidden files (.DS_Store) are not even counted; the other non-images are skipped.
      const skipped = corpus.filter((f) => f.expect === 'skip' && !path.basename(f.path).startsWith('.')).length;
      expect(result.stderr).toContain(`${skipped} files skipped (not images)`);
    });

    it('gives every valid image exactly its mirrored output, decodable, at the upright size', async () => {
      const manifest = await readManifest(out);
      // Output names in the walker's order: two inputs that map to one name (photo.avif and
      // photo.gif both become photo.png) are told apart by a numbered suffix, in sorted order.
      const ok = corpus.filter((f) => f.expect === 'ok').sort((a, b) => rel(a).localeCompare(rel(b)));
      const taken = new Set<string>();
      for (const file of ok) {
        let name = mirroredName(rel(file));
        for (let n = 2; taken.has(name); n++) name = numbered(mirroredName(rel(file)), n);
        taken.add(name);
        expect(manifest.files[rel(file)], rel(file)).toEqual({ status: 'done', outputs: [name] });
        const output = path.join(out, name);
        const { data, info } = await sharp(output).raw().toBuffer({ resolveWithObject: true });
        expect(data.length, name).toBe(info.width * info.height * info.channels);
        expect({ width: info.width, height: info.height }, `${name} (${file.kind})`).toEqual(await uprightSize(file.path));
        // The pixels are upright, so the output must not ask a viewer to rotate them again.
        expect((await sharp(output).metadata()).orientation ?? 1, name).toBe(1);
      }
      // Nothing else in the output folder: no output for errors or skipped files, no temporaries.
      expect(await filesBelow(out)).toEqual([...taken, MANIFEST].sort());
    });

    it('names every broken file in stderr with a reason and records it as failed in the manifest', async () => {
      const manifest = await readManifest(out);
      for (const file of corpus.filter((f) => f.expect === 'error' && !f.path.endsWith('folder.jpg'))) {
        const entry = manifest.files[rel(file)];
        expect(entry?.status, rel(file)).toBe('failed');
        expect(entry.outputs).toEqual([]);
        // "cannot read <path>: <reason>", one line, no stack trace.
        expect(entry.error, rel(file)).toMatch(/^cannot read .+: \S.*$/);
        expect(entry.error).toContain(file.path);
        expect(result.stderr).toContain(`error: ${entry.error}\n`);
      }
      const messages = Object.fromEntries(Object.entries(manifest.files).map(([name, e]) => [name, e.error]));
      expect(messages['errors/empty.jpg']).toMatch(/not an image in a supported format/);
      expect(messages['errors/text-renamed.jpg']).toMatch(/not an image in a supported format/);
      expect(messages['errors/truncated.jpg']).toMatch(/truncated/);
      expect(messages['errors/absurd-dimensions.png']).toMatch(/more than [\d,]+ pixels/);
      expect(messages['errors/broken-link.jpg']).toMatch(/does not exist/);
    });

    it('walks into the folder named folder.jpg like any folder: no entry, no output, no error', async () => {
      const manifest = await readManifest(out);
      expect(Object.keys(manifest.files).filter((name) => name.startsWith(path.join('errors', 'folder.jpg')))).toEqual([]);
      expect(result.stderr).not.toContain('folder.jpg');
      await expect(fs.lstat(path.join(out, 'errors', 'folder.jpg'))).rejects.toThrow(/ENOENT/);
    });

    it('leaves non-images alone and every input byte for byte as it was', async () => {
      const manifest = await readManifest(out);
      for (const file of corpus.filter((f) => f.expect === 'skip')) expect(manifest.files[rel(file)], rel(file)).toBeUndefined();
      expect(await sha256Of(corpus.map((f) => f.path))).toEqual(before);
      // Nothing was added to the input folder either (no temporaries, no manifest).
      const inputFiles = await filesBelow(input);
      expect(inputFiles).toEqual(corpus.filter((f) => before.has(f.path)).map(rel).sort());
    });

    it('writes a manifest of this batch whose done entries point at existing outputs', async () => {
      const manifest = await readManifest(out);
      expect(manifest.input).toBe(input);
      expect(manifest.settings).toMatchObject({ samples: 1, best: false });
      const images = corpus.filter((f) => f.expect !== 'skip' && !f.path.endsWith('folder.jpg'));
      expect(Object.keys(manifest.files).sort()).toEqual(images.map(rel).sort());
      for (const [name, entry] of Object.entries(manifest.files)) {
        expect(['done', 'failed'], name).toContain(entry.status);
        for (const output of entry.outputs) await fs.access(path.join(out, output));
      }
    });
  });

  it('refuses a read-only output folder with a clear error, never a crash', async () => {
    const input = path.join(root, 'ro-input');
    await photo(path.join(input, 'a.jpg'));
    await photo(path.join(input, 'sub', 'b.png'));
    const out = path.join(root, 'read-only');
    await fs.mkdir(out);
    await fs.chmod(out, 0o555);
    const probe = path.join(out, 'probe');
    const writable = await fs.writeFile(probe, '').then(() => true, () => false);
    await fs.rm(probe, { force: true });
    let options: ExecFileOptions = {};
    if (writable) {
      // Root ignores the folder's mode. Run the CLI as an unprivileged user instead when we can.
      if (process.getuid?.() !== 0) return; // writable for another reason (odd file system): nothing to check
      const nobody = { uid: 65534, gid: 65534 };
      for (const dir of [root, model, input, path.join(input, 'sub')]) await fs.chmod(dir, 0o755);
      for (const file of [...(await filesBelow(model)).map((f) => path.join(model, f)), ...(await filesBelow(input)).map((f) => path.join(input, f))]) await fs.chmod(file, 0o644);
      const check = await cli(['--version'], nobody).catch(() => null);
      if (check?.code !== 0) return; // this checkout is not readable by another user: skip only this check
      options = nobody;
    }
    const result = await cli(['batch', input, '--out', out, '--samples', '1', '--model', model], options);
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(result.signal).toBeNull();
    expect([1, 2], result.stderr).toContain(result.code);
    if (result.code === 1) expect(result.stderr).toMatch(/polychrome: cannot write to the output folder .*read-only/);
    else expect(result.stderr).toMatch(/error: cannot write /);
    expect(await filesBelow(out)).toEqual([]);
  });

  it('never overwrites an existing file: the new output takes a numbered name', async () => {
    const input = path.join(root, 'keep-input');
    const out = path.join(root, 'keep-out');
    await photo(path.join(input, 'a.jpg'));
    await photo(path.join(input, 'sub', 'b.png'));
    await fs.mkdir(path.join(out, 'sub'), { recursive: true });
    await fs.writeFile(path.join(out, 'sub', 'b.png'), 'precious, not to be replaced');
    const result = await cli(['batch', input, '--out', out, '--samples', '1', '--model', model]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(await fs.readFile(path.join(out, 'sub', 'b.png'), 'utf8')).toBe('precious, not to be replaced');
    expect(await filesBelow(out)).toEqual(['a.jpg', MANIFEST, path.join('sub', 'b (2).png'), path.join('sub', 'b.png')].sort());
    expect((await sharp(path.join(out, 'sub', 'b (2).png')).metadata()).width).toBe(40);
    const manifest = await readManifest(out);
    expect(manifest.files[path.join('sub', 'b.png')]).toEqual({ status: 'done', outputs: [path.join('sub', 'b (2).png')] });

    // Resuming a finished batch writes nothing and still succeeds.
    const hashes = await Promise.all((await filesBelow(out)).map((f) => sha256(path.join(out, f))));
    const again = await cli(['batch', input, '--out', out, '--samples', '1', '--model', model, '--resume']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('resuming: 2 of 2 files already done');
    expect(await filesBelow(out)).toEqual(['a.jpg', MANIFEST, path.join('sub', 'b (2).png'), path.join('sub', 'b.png')].sort());
    expect(await Promise.all((await filesBelow(out)).map((f) => sha256(path.join(out, f))))).toEqual(hashes);
  });

  it('colorize --samples 3 writes three files per photo; a second run adds " (2)" files and overwrites nothing', async () => {
    const input = path.join(root, 'colorize-input');
    const out = path.join(root, 'colorize-out');
    await photo(path.join(input, 'a.jpg'));
    await photo(path.join(input, 'b.png'), 24, 36);
    const args = ['colorize', path.join(input, 'a.jpg'), path.join(input, 'b.png'), '--out', out, '--samples', '3', '--model', model];
    const first = await cli(args);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).not.toMatch(STACK_LINE);
    const names = ['a-1.jpg', 'a-2.jpg', 'a-3.jpg', 'b-1.png', 'b-2.png', 'b-3.png'];
    expect(await filesBelow(out)).toEqual(names);
    expect(first.stdout.trim().split('\n').sort()).toEqual(names.map((n) => path.join(out, n)));
    for (const name of names) {
      const meta = await sharp(path.join(out, name)).metadata();
      expect([meta.width, meta.height], name).toEqual(name.startsWith('a') ? [40, 30] : [24, 36]);
    }
    const hashes = await Promise.all(names.map((n) => sha256(path.join(out, n))));
    // The samples differ from one another (three different colorizations, not one written thrice).
    expect(new Set(hashes.slice(0, 3)).size).toBe(3);

    const second = await cli(args);
    expect(second.code, second.stderr).toBe(0);
    const renamed = names.map((n) => numbered(n, 2));
    expect(await filesBelow(out)).toEqual([...names, ...renamed].sort());
    expect(second.stdout.trim().split('\n').sort()).toEqual(renamed.map((n) => path.join(out, n)).sort());
    expect(await Promise.all(names.map((n) => sha256(path.join(out, n))))).toEqual(hashes);
    // Same seed, same photo: the second run's colorizations are the same pictures.
    expect(await Promise.all(renamed.map((n) => sha256(path.join(out, n))))).toEqual(hashes);
  });

  it('refuses to start over a batch without --resume, and to resume with other settings', async () => {
    const input = path.join(root, 'again-input');
    const out = path.join(root, 'again-out');
    await photo(path.join(input, 'a.jpg'));
    await photo(path.join(input, 'b.jpg'));
    const first = await cli(['batch', input, '--out', out, '--samples', '2', '--model', model]);
    expect(first.code, first.stderr).toBe(0);
    const files = await filesBelow(out);
    expect(files).toEqual(['a-1.jpg', 'a-2.jpg', 'b-1.jpg', 'b-2.jpg', MANIFEST]);
    const manifestText = await fs.readFile(path.join(out, MANIFEST), 'utf8');

    const noResume = await cli(['batch', input, '--out', out, '--samples', '2', '--model', model]);
    expect(noResume.code).toBe(1);
    expect(noResume.stderr).not.toMatch(STACK_LINE);
    expect(noResume.stderr).toMatch(/^polychrome: .*already holds a batch.*--resume/m);

    const otherSettings = await cli(['batch', input, '--out', out, '--samples', '3', '--resume', '--model', model]);
    expect(otherSettings.code).toBe(1);
    expect(otherSettings.stderr).not.toMatch(STACK_LINE);
    expect(otherSettings.stderr).toMatch(/^polychrome: .*other settings.*"samples":2.*same options/m);

    // Neither refusal touched the folder.
    expect(await filesBelow(out)).toEqual(files);
    expect(await fs.readFile(path.join(out, MANIFEST), 'utf8')).toBe(manifestText);
  });
});
