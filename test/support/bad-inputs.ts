// A corpus of awkward input files for batch colorization tests: broken or disguised files that
// must give a clear per-file error, unusual but valid images that must still come out right,
// and non-image files that must be skipped silently. Everything is generated here from fixed
// formulas and a seeded PRNG, so two builds give the same bytes and nothing is checked in.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp, { type Sharp } from 'sharp';

export interface CorpusFile {
  /** Absolute path of the file (or directory / symlink) inside the corpus folder. */
  path: string;
  /** Short description of what makes this input awkward. */
  kind: string;
  /**
   * 'error': the tool must report a clear per-file error;
   * 'ok': it must produce a correct output;
   * 'skip': not an image by extension, the tool silently skips it.
   */
  expect: 'error' | 'ok' | 'skip';
}

/** Default size of the generated pictures: small enough to be fast, big enough to be non-trivial. */
const WIDTH = 48;
const HEIGHT = 32;

/**
 * Interleaved 8-bit RGB with a smooth, asymmetric colour pattern: every corner has a different
 * colour, so a wrong rotation or flip is visible, and no channel is constant, so a gray or
 * channel-swapping decode is visible too.
 */
function colourfulRgb(width: number, height: number): Buffer {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = x / Math.max(1, width - 1);
      const v = y / Math.max(1, height - 1);
      const i = (y * width + x) * 3;
      raw[i] = Math.round(255 * u);
      raw[i + 1] = Math.round(255 * v);
      raw[i + 2] = Math.round(255 * (1 - u) * (0.5 + 0.5 * Math.sin(6 * v)));
    }
  }
  return raw;
}

/** A sharp pipeline over the colourful pattern. */
function colourful(width = WIDTH, height = HEIGHT): Sharp {
  return sharp(colourfulRgb(width, height), { raw: { width, height, channels: 3 } });
}

/** Deterministic pseudo-random bytes (mulberry32): "random" junk that is the same on every run. */
function pseudoRandomBytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let a = seed >>> 0;
  for (let i = 0; i < length; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
  }
  return out;
}

// CRC-32 (IEEE, as used by PNG chunks). zlib.crc32 exists from Node 20.15; the table version
// keeps the helper working on older Node 20 releases.
let crcTable: Uint32Array | undefined;
function crc32(data: Buffer): number {
  if (typeof zlib.crc32 === 'function') return zlib.crc32(data) >>> 0;
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of data) crc = crcTable[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** One PNG chunk: length, type, data, CRC over type+data. */
function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

/**
 * A structurally valid PNG that claims 100000x100000 RGB pixels (10^10, far above any sane
 * pixel limit) but carries only a tiny IDAT. The CRCs are right, so the header itself parses:
 * a decoder has to refuse it on size (a decompression-bomb guard), not on corruption.
 */
function absurdDimensionsPng(): Buffer {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(100_000, 0); // width
  ihdr.writeUInt32BE(100_000, 4); // height
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: truecolour RGB
  ihdr[10] = 0; // compression
  ihdr[11] = 0; // filter
  ihdr[12] = 0; // interlace: none
  // 64 zero bytes: a valid zlib stream, but a tiny fraction of the 3 * 10^10 bytes the header promises.
  const idat = zlib.deflateSync(Buffer.alloc(64));
  return Buffer.concat([signature, pngChunk('IHDR', ihdr), pngChunk('IDAT', idat), pngChunk('IEND', Buffer.alloc(0))]);
}

/** Does this sharp build write AVIF? (It is an optional part of libheif builds.) */
async function canWriteAvif(): Promise<boolean> {
  // AVIF is written by the heif format; optional chaining because builds may leave it out.
  const heif = sharp.format.heif as typeof sharp.format.heif | undefined;
  if (!heif?.output.buffer || !heif.output.alias?.includes('avif')) return false;
  try {
    await colourful(8, 8).avif().toBuffer();
    return true;
  } catch {
    return false; // libheif without an AV1 encoder
  }
}

/**
 * Builds the corpus below dir (created if needed; existing corpus files are overwritten) and
 * returns one entry per file, directory or symlink, in a fixed order.
 */
export async function makeBadInputCorpus(dir: string): Promise<CorpusFile[]> {
  const root = path.resolve(dir);
  await fs.mkdir(root, { recursive: true });
  const files: CorpusFile[] = [];

  /** Writes bytes to a path relative to the corpus root, creating folders on the way. */
  const put = async (relative: string, bytes: Buffer | string, kind: string, expect: CorpusFile['expect']) => {
    const full = path.join(root, relative);
    await fs.mkdir(path.dirname(full), { recursive: true });
    await fs.writeFile(full, bytes);
    files.push({ path: full, kind, expect });
  };

  // Reference encodings that several broken files are cut from.
  const jpeg = await colourful().jpeg({ quality: 90 }).toBuffer();
  const png = await colourful().png().toBuffer();

  // ---- Must fail with a per-file error -------------------------------------------------------
  // Half a JPEG: the header parses, so only a decoder that checks for premature EOF notices.
  await put('errors/truncated.jpg', jpeg.subarray(0, Math.floor(jpeg.length / 2)), 'truncated JPEG (first half of a valid file)', 'error');
  await put('errors/empty.jpg', Buffer.alloc(0), 'zero-byte .jpg', 'error');
  await put('errors/text-renamed.jpg', 'These are my holiday notes, not a picture.\nDay one: beach.\n', 'plain text file renamed .jpg', 'error');
  // No "<svg" anywhere: libvips sniffs SVG content, and an SVG would decode.
  await put('errors/page-renamed.png', '<!DOCTYPE html>\n<html><head><title>Photos</title></head><body><p>Download failed</p></body></html>\n', 'HTML page renamed .png', 'error');
  await put('errors/absurd-dimensions.png', absurdDimensionsPng(), 'PNG whose valid IHDR claims 100000x100000 pixels, tiny IDAT', 'error');
  // A JPEG start-of-image marker followed by junk: passes a magic-number sniff, fails to decode.
  await put('errors/garbage-after-soi.jpg', Buffer.concat([Buffer.from([0xff, 0xd8]), pseudoRandomBytes(4096, 1)]), 'JPEG SOI marker followed by random bytes', 'error');
  await put('errors/truncated.png', png.subarray(0, Math.floor(png.length / 2)), 'truncated PNG (first half of a valid file)', 'error');
  await put('errors/random-bytes.webp', pseudoRandomBytes(2048, 2), 'random bytes named .webp', 'error');
  // A directory with an image extension: a naive "*.jpg" glob picks it up, opening it fails.
  await fs.mkdir(path.join(root, 'errors', 'folder.jpg'), { recursive: true });
  files.push({ path: path.join(root, 'errors', 'folder.jpg'), kind: 'directory named folder.jpg', expect: 'error' });
  // A dangling symlink: it is listed by readdir, but opening it gives ENOENT.
  const link = path.join(root, 'errors', 'broken-link.jpg');
  await fs.rm(link, { force: true }); // symlink() refuses to overwrite a previous build's link
  await fs.symlink('does-not-exist.jpg', link);
  files.push({ path: link, kind: 'symlink to a missing file', expect: 'error' });

  // ---- Unusual but valid: must produce a correct output ----------------------------------------
  await put('ok/cmyk.jpg', await colourful().toColourspace('cmyk').jpeg().toBuffer(), 'CMYK JPEG', 'ok');
  // A true 16-bit source (not 8-bit scaled up), so the low byte carries information.
  const rgb16 = new Uint16Array(WIDTH * HEIGHT * 3);
  colourfulRgb(WIDTH, HEIGHT).forEach((value, i) => { rgb16[i] = value * 257 + (i % 251); });
  await put('ok/rgb16.png', await sharp(rgb16, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } }).toColourspace('rgb16').png().toBuffer(), '16-bit RGB PNG', 'ok');
  await put('ok/gray.jpg', await colourful().toColourspace('b-w').jpeg().toBuffer(), '8-bit grayscale JPEG', 'ok');
  // Gray + alpha: two channels, which RGB-only code paths often mishandle.
  const grayAlpha = Buffer.alloc(WIDTH * HEIGHT * 2);
  for (let i = 0; i < WIDTH * HEIGHT; i++) {
    grayAlpha[2 * i] = Math.round((255 * (i % WIDTH)) / (WIDTH - 1));
    grayAlpha[2 * i + 1] = Math.floor(i / WIDTH) < HEIGHT / 2 ? 255 : 128;
  }
  // toColourspace('b-w') keeps it two-channel: by default sharp would widen it to sRGB + alpha.
  const grayAlphaPng = await sharp(grayAlpha, { raw: { width: WIDTH, height: HEIGHT, channels: 2 } }).toColourspace('b-w').png().toBuffer();
  await put('ok/gray-alpha.png', grayAlphaPng, 'grayscale + alpha PNG', 'ok');
  await put('ok/rgba.png', await colourful().ensureAlpha(0.75).png().toBuffer(), 'RGBA PNG (semi-transparent)', 'ok');
  await put('ok/palette.png', await colourful().png({ palette: true, colours: 16 }).toBuffer(), 'palette (indexed) PNG', 'ok');
  // Every EXIF orientation: 5..8 swap width and height, so the output size shows whether it was applied.
  for (let orientation = 1; orientation <= 8; orientation++) {
    await put(`ok/orientation/orientation-${orientation}.jpg`, await colourful().jpeg().withMetadata({ orientation }).toBuffer(), `JPEG with EXIF orientation ${orientation}`, 'ok');
  }
  // Wide-gamut: pixel values mean Display P3, so ignoring the profile shifts colours.
  await put('ok/display-p3.jpg', await colourful().withIccProfile('p3').jpeg().toBuffer(), 'JPEG with a Display P3 ICC profile', 'ok');
  await put('ok/photo.webp', await colourful().webp({ quality: 90 }).toBuffer(), 'WebP', 'ok');
  await put('ok/photo.tif', await colourful().tiff().toBuffer(), 'TIFF', 'ok');
  await put('ok/photo.gif', await colourful().gif().toBuffer(), 'GIF', 'ok');
  if (await canWriteAvif()) await put('ok/photo.avif', await colourful().avif().toBuffer(), 'AVIF', 'ok');
  // Content decides, not the extension: libvips sniffs the JPEG inside, so this one decodes fine.
  await put('ok/jpeg-inside.tif', jpeg, 'JPEG content with a .tif extension', 'ok');
  await put('ok/panorama.jpg', await colourful(400, 20).jpeg().toBuffer(), 'very wide panorama (400x20)', 'ok');
  await put('ok/tiny-4x4.png', await colourful(4, 4).png().toBuffer(), 'tiny 4x4 image', 'ok');
  await put('ok/single-pixel.png', await colourful(1, 1).png().toBuffer(), '1x1 pixel image', 'ok');
  await put('ok/été café 写真.jpg', jpeg, 'unicode file name', 'ok');
  // Leading and doubled spaces, inside a folder whose name has a space: quoting and trimming bugs.
  await put('my photos/ beach  day.jpg', jpeg, 'spaces in folder and file name (leading and double)', 'ok');
  await put('ok/UPPER.JPG', jpeg, 'uppercase .JPG extension', 'ok');
  await put('ok/long-ext.jpeg', jpeg, '.jpeg extension', 'ok');

  // ---- Not images by extension: skipped silently -----------------------------------------------
  await put('notes.txt', 'Shot on a rainy day.\n', 'plain text notes', 'skip');
  await put('.DS_Store', Buffer.concat([Buffer.from([0, 0, 0, 1, 0x42, 0x75, 0x64, 0x31]), pseudoRandomBytes(120, 3)]), 'hidden macOS .DS_Store file', 'skip');
  await put('my photos/thumbs.db', pseudoRandomBytes(512, 4), 'Windows thumbs.db cache', 'skip');
  await put('README.md', '# Holiday photos\n\nScanned from prints.\n', 'markdown README', 'skip');

  return files;
}

/**
 * SHA-256 (hex) of every regular file among paths, following symlinks, keyed by the path as
 * given. Directories and broken links are left out, so the corpus list can be passed as is;
 * comparing two calls shows whether a tool modified its inputs.
 */
export async function sha256Of(paths: string[]): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  for (const file of paths) {
    // lstat first: a missing path that is not a dangling link is the caller's mistake (or a
    // deleted input) and should fail loudly rather than silently drop out of the map.
    const link = await fs.lstat(file);
    const target = link.isSymbolicLink() ? await fs.stat(file).catch(() => undefined) : link;
    if (!target?.isFile()) continue; // directory, dangling symlink, or other non-file
    hashes.set(file, createHash('sha256').update(await fs.readFile(file)).digest('hex'));
  }
  return hashes;
}
