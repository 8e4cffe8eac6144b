import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeImage, formatForPath, type OutputFormat } from '../engine/image/encode.ts';

const FORMATS: OutputFormat[] = ['jpeg', 'png', 'tiff', 'webp'];
const W = 16, H = 32; // upright output size
const TOP = [200, 100, 50], BOTTOM = [40, 160, 220]; // two flat halves, well inside sRGB

let dir: string;
let p3Original: string; // Display P3 JPEG, stored 32x16 with orientation 6 (upright 16x32), Make/Model set
let p3Icc: Buffer;

/** Interleaved upright pixels: TOP colour in the upper half, BOTTOM in the lower. */
function halves(scale = 1): number[] {
  const out: number[] = [];
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) out.push(...(y < H / 2 ? TOP : BOTTOM).map((v) => v * scale));
  return out;
}
const eight = () => Uint8Array.from(halves());
const sixteen = () => Uint16Array.from(halves(257));

/** The pixel at (x, y) of 3-channel raw data, in 0-255 units. */
function at(data: Buffer, x: number, y: number, depth: 8 | 16 = 8): number[] {
  const samples = depth === 16 ? new Uint16Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length)) : data;
  const i = (y * W + x) * 3;
  return Array.from(samples.slice(i, i + 3), (v) => (depth === 16 ? v / 257 : v));
}

/** Decodes to sRGB the way a colour-managed reader does: embedded profile -> sRGB. */
async function decodeSrgb(buffer: Buffer): Promise<Buffer> {
  return sharp(buffer).toColourspace('srgb').raw().toBuffer();
}

/**
 * 16-bit variant. sharp treats 16-bit RGB as Display P3 internally, so a plain toColourspace('rgb16')
 * returns P3 values for a profiled 16-bit file; an explicit sRGB output profile gives true sRGB.
 */
async function decodeSrgb16(buffer: Buffer): Promise<Buffer> {
  return sharp(buffer).toColourspace('rgb16').withIccProfile('srgb', { attach: false }).raw({ depth: 'ushort' }).toBuffer();
}

function expectClose(actual: number[], expected: number[], tolerance: number): void {
  actual.forEach((v, i) => expect(Math.abs(v - expected[i]), `got [${actual.map((a) => a.toFixed(1))}], want [${expected}]`).toBeLessThanOrEqual(tolerance));
}

const exifText = async (buffer: Buffer) => (await sharp(buffer).metadata()).exif?.toString('latin1') ?? '';
const xmpText = async (buffer: Buffer) => (await sharp(buffer).metadata()).xmp?.toString('utf8') ?? '';

describe('formatForPath', () => {
  it('maps extensions case-insensitively and rejects others', () => {
    expect(formatForPath('a/b/photo.JPG')).toBe('jpeg');
    expect(formatForPath('photo.jpeg')).toBe('jpeg');
    expect(formatForPath('photo.Png')).toBe('png');
    expect(formatForPath('scan.tif')).toBe('tiff');
    expect(formatForPath('scan.TIFF')).toBe('tiff');
    expect(formatForPath('x.webp')).toBe('webp');
    expect(formatForPath('x.gif')).toBeNull();
    expect(formatForPath('jpg')).toBeNull();
  });
});

describe('image encoding', () => {
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'polychrome-encode-'));
    p3Original = path.join(dir, 'p3-rotated.jpg');
    // withExif() cannot set Orientation (libvips writes its own orientation field); withMetadata() can.
    await sharp(Buffer.alloc(H * W * 3, 90), { raw: { width: H, height: W, channels: 3 } })
      .withMetadata({ orientation: 6 }).withIccProfile('p3').withExif({ IFD0: { Make: 'TestCam', Model: 'X1' } })
      .jpeg().toFile(p3Original);
    const meta = await sharp(p3Original).metadata();
    expect([meta.width, meta.height, meta.orientation]).toEqual([H, W, 6]);
    p3Icc = meta.icc!;
    expect(p3Icc).toBeDefined();
  });
  afterAll(async () => { await fs.rm(dir, { recursive: true, force: true }); });

  it.each(FORMATS)('%s: converts sRGB pixels into the original\'s P3 profile and embeds it', async (format) => {
    const out = await encodeImage(eight(), W, H, { format, original: p3Original });
    const meta = await sharp(out).metadata();
    expect([meta.width, meta.height, meta.channels]).toEqual([W, H, 3]);
    expect(meta.icc?.equals(p3Icc)).toBe(true);
    // The stored values are P3 values, not the sRGB ones we gave...
    const stored = await sharp(out, { ignoreIcc: true }).raw().toBuffer();
    expect(Math.abs(at(stored, 8, 4)[0] - TOP[0]) + Math.abs(at(stored, 8, 4)[2] - TOP[2])).toBeGreaterThan(10);
    // ...and a colour-managed decode gives back the sRGB colours (centre of each flat half).
    const decoded = await decodeSrgb(out);
    expectClose(at(decoded, 8, 4), TOP, 3);
    expectClose(at(decoded, 8, 28), BOTTOM, 3);
  });

  it.each(['png', 'tiff'] as const)('%s: 16-bit pixels stay 16-bit and are converted to P3', async (format) => {
    const out = await encodeImage(sixteen(), W, H, { format, original: p3Original });
    const meta = await sharp(out).metadata();
    expect(meta.depth).toBe('ushort');
    expect(meta.icc?.equals(p3Icc)).toBe(true);
    const decoded = await decodeSrgb16(out);
    expectClose(at(decoded, 8, 4, 16), TOP, 0.5);
    expectClose(at(decoded, 8, 28, 16), BOTTOM, 0.5);
  });

  it('16-bit pixels written without an original are exact', async () => {
    const rgb = new Uint16Array(W * H * 3).map((_, i) => (i * 4099) % 65536);
    for (const format of ['png', 'tiff'] as const) {
      const out = await encodeImage(rgb, W, H, { format });
      expect((await sharp(out).metadata()).depth).toBe('ushort');
      const back = await sharp(out).toColourspace('rgb16').raw({ depth: 'ushort' }).toBuffer();
      expect(new Uint16Array(back.buffer.slice(back.byteOffset, back.byteOffset + back.length))).toEqual(rgb);
    }
  });

  it.each(['jpeg', 'webp'] as const)('%s: 16-bit pixels are written as 8-bit', async (format) => {
    const out = await encodeImage(sixteen(), W, H, { format, original: p3Original });
    expect((await sharp(out).metadata()).depth).toBe('uchar');
    expectClose(at(await decodeSrgb(out), 8, 4), TOP, 3);
  });

  it.each(FORMATS)('%s: keeps the original\'s EXIF, resets orientation, adds the note', async (format) => {
    const note = 'Colorized by Polychrome 0.1.0 (test note)';
    const out = await encodeImage(eight(), W, H, { format, original: p3Original, note });
    const meta = await sharp(out).metadata();
    expect([meta.width, meta.height]).toEqual([W, H]);
    expect(meta.orientation === undefined || meta.orientation === 1).toBe(true);
    expect(await xmpText(out)).toContain(note);
    if (format === 'tiff') {
      // libvips writes no EXIF into TIFF at all: the XMP above is where the note lives.
      expect(meta.exif).toBeUndefined();
    } else {
      const exif = await exifText(out);
      expect(exif).toContain('TestCam');
      expect(exif).toContain('X1');
      expect(exif).toContain(note);
      expect(exif).toContain('Polychrome');
    }
  });

  it.each(FORMATS)('%s: writes the note without an original, sRGB pixels untouched', async (format) => {
    const out = await encodeImage(eight(), W, H, { format, note: 'made by Polychrome' });
    const meta = await sharp(out).metadata();
    expect(meta.icc).toBeUndefined(); // untagged = sRGB
    if (format === 'tiff') expect(await xmpText(out)).toContain('made by Polychrome');
    else expect(await exifText(out)).toContain('made by Polychrome');
    const decoded = await decodeSrgb(out);
    expectClose(at(decoded, 8, 4), TOP, format === 'png' || format === 'tiff' ? 0 : 3);
  });

  it('uses the default note when none is given', async () => {
    expect(await exifText(await encodeImage(eight(), W, H, { format: 'jpeg' }))).toContain('Colorized by Polychrome');
  });

  it('an original without a profile gives untagged sRGB, EXIF kept', async () => {
    const original = path.join(dir, 'plain.png');
    await sharp(Buffer.alloc(W * H * 3, 7), { raw: { width: W, height: H, channels: 3 } }).withExif({ IFD0: { Make: 'PlainCam' } }).png().toFile(original);
    const out = await encodeImage(eight(), W, H, { format: 'png', original });
    expect((await sharp(out).metadata()).icc).toBeUndefined();
    expect(await exifText(out)).toContain('PlainCam');
    expect(Array.from(await sharp(out).raw().toBuffer())).toEqual(halves());
  });

  it('a grayscale original of another size: output is RGB at our size, EXIF kept', async () => {
    const original = path.join(dir, 'gray-small.jpg');
    await sharp(Buffer.alloc(5 * 7, 128), { raw: { width: 5, height: 7, channels: 1 } }).withExif({ IFD0: { Make: 'GrayCam' } }).jpeg().toFile(original);
    const out = await encodeImage(eight(), W, H, { format: 'png', original });
    const meta = await sharp(out).metadata();
    expect([meta.width, meta.height, meta.channels]).toEqual([W, H, 3]);
    expect(await exifText(out)).toContain('GrayCam');
    expect(Array.from(await sharp(out).raw().toBuffer())).toEqual(halves());
  });

  it('a CMYK original: its profile cannot tag RGB output, so the output is plain sRGB', async () => {
    const original = path.join(dir, 'cmyk.jpg');
    await sharp(Buffer.alloc(W * H * 3, 128), { raw: { width: W, height: H, channels: 3 } }).withIccProfile('cmyk').jpeg().toFile(original);
    expect((await sharp(original).metadata()).space).toBe('cmyk');
    const out = await encodeImage(eight(), W, H, { format: 'png', original });
    const meta = await sharp(out).metadata();
    expect(meta.icc).toBeUndefined();
    expect(meta.space).toBe('srgb');
    expect(Array.from(await sharp(out).raw().toBuffer())).toEqual(halves());
  });

  it('names a missing original in the error', async () => {
    const missing = path.join(dir, 'no-such-photo.jpg');
    await expect(encodeImage(eight(), W, H, { format: 'jpeg', original: missing })).rejects.toThrow(missing);
  });

  it('rejects pixel data of the wrong size', async () => {
    await expect(encodeImage(new Uint8Array(10), W, H, { format: 'png' })).rejects.toThrow(/expected 16x32x3/);
  });
});
