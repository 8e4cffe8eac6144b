// Checks the awkward-input corpus itself: that each file really is what its expectation says,
// judged by sharp directly. Tests of the batch tool can then trust the expectations.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CorpusFile, makeBadInputCorpus, sha256Of } from './support/bad-inputs.ts';

// What counts as an image by extension for the purpose of 'skip' (same set as the tool's lister).
const IMAGE_EXTENSION = /\.(jpe?g|png|webp|tiff?|gif|avif|heic|heif)$/i;
// Same guard a careful tool would use: 10^8 pixels, well below the absurd PNG's 10^10.
const OPTIONS = { limitInputPixels: 100_000_000 } as const;

let root: string;
let corpus: CorpusFile[];
const rel = (file: CorpusFile) => path.relative(path.join(root, 'corpus'), file.path);
const byName = (name: string) => {
  const file = corpus.find((f) => rel(f) === name);
  if (!file) throw new Error(`corpus has no ${name}`);
  return file.path;
};
const errorMessage = (error: unknown) => (error as Error).message.split('\n')[0];

describe('bad-input corpus', () => {
  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'polychrome-bad-inputs-'));
    corpus = await makeBadInputCorpus(path.join(root, 'corpus'));
  });
  afterAll(async () => { await fs.rm(root, { recursive: true, force: true }); });

  it('is big enough, mostly images, with every EXIF orientation', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(30);
    expect(corpus.filter((f) => f.expect !== 'skip').length).toBeGreaterThanOrEqual(25);
    expect(corpus.filter((f) => f.expect === 'error').length).toBeGreaterThanOrEqual(10);
    for (let n = 1; n <= 8; n++) expect(corpus.some((f) => f.kind === `JPEG with EXIF orientation ${n}`), `orientation ${n}`).toBe(true);
  });

  it('lists unique, existing paths inside the folder, some in subfolders, each described', async () => {
    expect(new Set(corpus.map((f) => f.path)).size).toBe(corpus.length);
    for (const file of corpus) {
      expect(rel(file).startsWith('..'), file.path).toBe(false);
      expect(file.kind.length, file.path).toBeGreaterThan(0);
      await fs.lstat(file.path); // even the broken symlink exists as a link
    }
    expect(corpus.some((f) => rel(f).includes(path.sep))).toBe(true);
    expect(corpus.some((f) => !rel(f).includes(path.sep))).toBe(true);
  });

  it("'ok' files have a size in their metadata and decode fully", async () => {
    const failures: string[] = [];
    for (const file of corpus.filter((f) => f.expect === 'ok')) {
      try {
        const meta = await sharp(file.path, OPTIONS).metadata();
        if (!(meta.width! > 0 && meta.height! > 0)) failures.push(`${rel(file)}: no size in metadata`);
        await sharp(file.path, OPTIONS).rotate().raw().toBuffer();
      } catch (error) {
        failures.push(`${rel(file)}: ${errorMessage(error)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("'error' files fail to decode (directory and broken link fail to read)", async () => {
    const decoded: string[] = [];
    for (const file of corpus.filter((f) => f.expect === 'error')) {
      const link = await fs.lstat(file.path);
      if (link.isDirectory() || link.isSymbolicLink()) {
        await expect(fs.readFile(file.path), rel(file)).rejects.toThrow();
      }
      try {
        await sharp(file.path, OPTIONS).rotate().raw().toBuffer();
        decoded.push(rel(file));
      } catch {
        // expected
      }
    }
    expect(decoded, 'error files that decoded anyway').toEqual([]);
  });

  it("'skip' files are not images by extension; 'error' and 'ok' files are", () => {
    for (const file of corpus) {
      expect(IMAGE_EXTENSION.test(file.path), `${rel(file)} (${file.expect})`).toBe(file.expect !== 'skip');
    }
    expect(corpus.some((f) => f.expect === 'skip' && path.basename(f.path).startsWith('.'))).toBe(true);
  });

  it('the special cases are what their names say', async () => {
    const meta = (name: string) => sharp(byName(name), OPTIONS).metadata();
    expect((await meta('ok/cmyk.jpg')).space).toBe('cmyk');
    expect((await meta('ok/rgb16.png')).depth).toBe('ushort');
    expect(await meta('ok/gray.jpg')).toMatchObject({ channels: 1, space: 'b-w' });
    expect(await meta('ok/gray-alpha.png')).toMatchObject({ channels: 2, hasAlpha: true });
    expect(await meta('ok/rgba.png')).toMatchObject({ channels: 4, hasAlpha: true });
    expect((await meta('ok/palette.png')).isPalette).toBe(true);
    expect((await meta('ok/photo.webp')).format).toBe('webp');
    expect((await meta('ok/photo.tif')).format).toBe('tiff');
    expect((await meta('ok/photo.gif')).format).toBe('gif');
    if (corpus.some((f) => f.path.endsWith('.avif'))) expect((await meta('ok/photo.avif')).format).toBe('heif');
    expect((await meta('ok/jpeg-inside.tif')).format).toBe('jpeg');
    expect(await meta('ok/panorama.jpg')).toMatchObject({ width: 400, height: 20 });
    expect(await meta('ok/tiny-4x4.png')).toMatchObject({ width: 4, height: 4 });
    expect(await meta('ok/single-pixel.png')).toMatchObject({ width: 1, height: 1 });
    // The ICC description tag is UTF-16BE text: "Display P3" profiles carry "P3", sRGB ones do not.
    const p3 = Buffer.from('P3', 'utf16le').swap16();
    expect((await meta('ok/display-p3.jpg')).icc?.includes(p3)).toBe(true);
    for (const name of ['ok/été café 写真.jpg', 'my photos/ beach  day.jpg', 'ok/UPPER.JPG', 'ok/long-ext.jpeg']) {
      expect((await meta(name)).format, name).toBe('jpeg');
    }
  });

  it('each orientation reads back, and 5..8 swap width and height when applied', async () => {
    for (let n = 1; n <= 8; n++) {
      const file = byName(path.join('ok', 'orientation', `orientation-${n}.jpg`));
      expect((await sharp(file).metadata()).orientation, `orientation ${n}`).toBe(n);
      const { info } = await sharp(file).rotate().raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height], `orientation ${n}`).toEqual(n >= 5 ? [32, 48] : [48, 32]);
    }
  });

  it('the absurd PNG has a valid header and fails only on its size', async () => {
    const file = byName('errors/absurd-dimensions.png');
    // Without a pixel limit the header reads fine, so the CRCs are right...
    expect(await sharp(file, { limitInputPixels: false }).metadata()).toMatchObject({ width: 100_000, height: 100_000 });
    // ...and with one, the refusal is about the size, not corruption.
    await expect(sharp(file, OPTIONS).metadata()).rejects.toThrow(/pixel limit/);
  });

  it('is deterministic, and sha256Of hashes files only', async () => {
    const again = await makeBadInputCorpus(path.join(root, 'again'));
    expect(again.map((f) => [path.relative(path.join(root, 'again'), f.path), f.kind, f.expect]))
      .toEqual(corpus.map((f) => [rel(f), f.kind, f.expect]));
    const first = await sha256Of(corpus.map((f) => f.path));
    const second = await sha256Of(again.map((f) => f.path));
    // Everything but the directory and the broken symlink is hashed.
    expect(first.size).toBe(corpus.length - 2);
    expect(first.has(byName('errors/folder.jpg'))).toBe(false);
    expect(first.has(byName('errors/broken-link.jpg'))).toBe(false);
    for (const [file, hash] of first) {
      expect(hash).toMatch(/^[0-9a-f]{64}$/);
      expect(second.get(path.join(root, 'again', path.relative(path.join(root, 'corpus'), file))), file).toBe(hash);
    }
    // Rebuilding over an existing corpus works (the symlink is replaced) and changes nothing.
    await makeBadInputCorpus(path.join(root, 'corpus'));
    expect(await sha256Of(corpus.map((f) => f.path))).toEqual(first);
    // A path that is simply missing is the caller's error, not something to skip.
    await expect(sha256Of([path.join(root, 'no-such-file.jpg')])).rejects.toThrow(/ENOENT/);
  });
});
