// `polychrome data`: fetches the Debian packages of ../shared/DATA.md, takes out the photos
// (gcompris' from inside Qt resource bundles), downscales them, and writes a seeded train /
// validation split with a manifest and the packages' copyright texts as CREDITS.md.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { writeFileAtomic } from '../io/atomic.ts';
import { readQtResources } from './qt-resources.ts';
import { PHOTO_FILE, PHOTO_SOURCES, type PhotoSource } from './sources.ts';

const run = promisify(execFile);

export interface PrepareOptions {
  out: string;
  /** Where .deb files and their extracted trees are kept between runs. */
  cache: string;
  /** Photos are downscaled so their long side is at most this. */
  longSide: number;
  validationFraction: number;
  seed: number;
  onProgress?: (done: number, total: number, name: string) => void;
  log?: (line: string) => void;
}

interface Photo {
  id: string;
  package: string;
  load: () => Promise<Buffer | string>;
}

export interface PreparedPhoto {
  file: string;
  split: 'train' | 'validation';
  package: string;
  source: string;
}

async function ensurePackage(source: PhotoSource, cache: string, log: (line: string) => void): Promise<{ root: string; deb: string }> {
  await fs.mkdir(cache, { recursive: true });
  const find = async () => (await fs.readdir(cache)).find((f) => f.startsWith(`${source.package}_`) && f.endsWith('.deb'));
  let deb = await find();
  if (!deb) {
    log(`downloading ${source.package} with apt-get`);
    await run('apt-get', ['download', source.package], { cwd: cache, maxBuffer: 1 << 24 }).catch((error: Error) => {
      throw new Error(`apt-get download ${source.package} failed: ${error.message.split('\n').slice(-2).join(' ')}`);
    });
    deb = await find();
    if (!deb) throw new Error(`apt-get download ${source.package} left no .deb in ${cache}`);
  }
  const root = path.join(cache, 'extracted', source.package);
  const done = path.join(root, '.extracted');
  if (!existsSync(done)) {
    await fs.rm(root, { recursive: true, force: true });
    await fs.mkdir(root, { recursive: true });
    await run('dpkg-deb', ['-x', path.join(cache, deb), root]);
    await fs.writeFile(done, deb);
  }
  return { root, deb };
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const entries = await fs.readdir(path.join(dir, prefix), { withFileTypes: true });
  const nested = await Promise.all(entries.map(async (entry) => {
    const relative = path.join(prefix, entry.name);
    return entry.isDirectory() ? listFiles(dir, relative) : [relative];
  }));
  return nested.flat().sort();
}

async function photosOf(source: PhotoSource, root: string): Promise<Photo[]> {
  const folder = path.join(root, source.folder);
  let files = (await listFiles(folder)).filter(source.select);
  if (source.largestOf) {
    const largest = new Map<string, { file: string; size: number }>();
    for (const file of files) {
      const size = (await fs.stat(path.join(folder, file))).size;
      const key = source.largestOf(file);
      if (!largest.has(key) || largest.get(key)!.size < size) largest.set(key, { file, size });
    }
    files = [...largest.values()].map((v) => v.file).sort();
  }
  if (!source.qtBundles) {
    return files.map((file) => ({ id: `${source.package}/${file}`, package: source.package, load: async () => path.join(folder, file) }));
  }
  const { bundles, minimumBytes } = source.qtBundles;
  const photos: Photo[] = [];
  for (const bundle of bundles) {
    const file = path.join(folder, `${bundle}.rcc`);
    const entries = readQtResources(await fs.readFile(file), file)
      .filter((entry) => PHOTO_FILE.test(entry.path) && entry.data.length >= minimumBytes);
    for (const entry of entries) {
      photos.push({ id: `${source.package}/${bundle}/${path.basename(entry.path)}`, package: source.package, load: async () => entry.data });
    }
  }
  return photos;
}

/** A fixed, seeded assignment per photo: adding photos never moves the others between splits. */
function splitOf(id: string, seed: number, validationFraction: number): 'train' | 'validation' {
  const hash = createHash('sha256').update(`${seed}:${id}`).digest();
  return hash.readUInt32BE(0) / 2 ** 32 < validationFraction ? 'validation' : 'train';
}

function fileNameOf(id: string): string {
  return `${id.replace(/\.[^./]+$/, '').replace(/[^A-Za-z0-9._-]+/g, '_')}.jpg`;
}

export async function prepareData(options: PrepareOptions): Promise<PreparedPhoto[]> {
  const log = options.log ?? (() => {});
  const photos: Photo[] = [];
  const credits: string[] = [];
  for (const source of PHOTO_SOURCES) {
    const { root, deb } = await ensurePackage(source, options.cache, log);
    const found = await photosOf(source, root);
    photos.push(...found);
    const copyright = await fs.readFile(path.join(root, 'usr/share/doc', source.package, 'copyright'), 'utf8').catch(() => '(no copyright file found)');
    credits.push(`## ${source.package} (${deb.replace(/\.deb$/, '')}, ${found.length} photos)\n\n\`\`\`\n${copyright.trim()}\n\`\`\`\n`);
    log(`${source.package}: ${found.length} photos`);
  }

  const prepared: PreparedPhoto[] = [];
  for (const split of ['train', 'validation']) await fs.mkdir(path.join(options.out, split), { recursive: true });
  for (const [index, photo] of photos.entries()) {
    const split = splitOf(photo.id, options.seed, options.validationFraction);
    const file = path.join(split, fileNameOf(photo.id));
    const target = path.join(options.out, file);
    if (!existsSync(target)) {
      const jpeg = await sharp(await photo.load())
        .rotate()
        .resize({ width: options.longSide, height: options.longSide, fit: 'inside', withoutEnlargement: true })
        .toColourspace('srgb')
        .jpeg({ quality: 92 })
        .toBuffer();
      await writeFileAtomic(target, jpeg);
    }
    prepared.push({ file, split, package: photo.package, source: photo.id });
    options.onProgress?.(index + 1, photos.length, photo.id);
  }

  const header = `# Credits for the training photographs\n\nPhotos taken from these Debian packages (../shared/DATA.md), downscaled to at most ${options.longSide} px on the long side. Their copyright and licence texts follow, as shipped by Debian.\n\n`;
  await writeFileAtomic(path.join(options.out, 'CREDITS.md'), header + credits.join('\n'));
  await writeFileAtomic(path.join(options.out, 'photos.json'), JSON.stringify({ seed: options.seed, validationFraction: options.validationFraction, longSide: options.longSide, photos: prepared }, null, 1) + '\n');
  return prepared;
}
