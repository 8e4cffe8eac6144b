import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../engine/image/decode.ts';

let dir: string;

/** A 4x2 image: left half red, right half blue. */
function leftRedRightBlue(): Buffer {
  const raw = Buffer.alloc(4 * 2 * 3);
  for (let y = 0; y < 2; y++) for (let x = 0; x < 4; x++) raw.set(x < 2 ? [255, 0, 0] : [0, 0, 255], (y * 4 + x) * 3);
  return raw;
}

const pixel = (image: { rgb: Float32Array; width: number }, x: number, y: number) => Array.from(image.rgb.slice((y * image.width + x) * 3, (y * image.width + x) * 3 + 3)).map((v) => Math.round(v * 255));

describe('image decoding', () => {
  beforeAll(async () => { dir = await fs.mkdtemp(path.join(os.tmpdir(), 'polychrome-decode-')); });
  afterAll(async () => { await fs.rm(dir, { recursive: true, force: true }); });

  it('applies the EXIF orientation (6: rotate 90 degrees clockwise)', async () => {
    const file = path.join(dir, 'oriented.jpg');
    await sharp(leftRedRightBlue(), { raw: { width: 4, height: 2, channels: 3 } }).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toFile(file);
    const image = await decodeImage(file);
    expect([image.width, image.height]).toEqual([2, 4]);
    // After a clockwise turn the left (red) half is on top.
    expect(pixel(image, 0, 0)[0]).toBeGreaterThan(200);
    expect(pixel(image, 0, 3)[2]).toBeGreaterThan(200);
  });

  it('converts an embedded ICC profile (Display P3) to sRGB', async () => {
    const file = path.join(dir, 'p3.jpg');
    const srgb = [200, 100, 50];
    await sharp(Buffer.from([...srgb, ...srgb, ...srgb, ...srgb]), { raw: { width: 2, height: 2, channels: 3 } })
      .withIccProfile('p3').jpeg({ quality: 100, chromaSubsampling: '4:4:4' }).toFile(file);
    // The file stores P3 values, visibly different from the sRGB ones...
    const stored = await sharp(file, { ignoreIcc: true }).raw().toBuffer();
    expect(Math.abs(stored[0] - srgb[0]) + Math.abs(stored[2] - srgb[2])).toBeGreaterThan(10);
    // ...and decoding brings them back to sRGB.
    const image = await decodeImage(file);
    pixel(image, 1, 1).forEach((v, i) => expect(Math.abs(v - srgb[i])).toBeLessThanOrEqual(3));
  });

  it('reads 16-bit PNGs at full precision', async () => {
    const file = path.join(dir, 'sixteen.png');
    const raw = new Uint16Array([1000, 30000, 65535, 0, 40000, 12345]);
    await sharp(raw, { raw: { width: 2, height: 1, channels: 3 } }).toColourspace('rgb16').png().toFile(file);
    const image = await decodeImage(file);
    expect(image.bitDepth).toBe(16);
    expect(image.rgb[0]).toBeCloseTo(1000 / 65535, 5);
    expect(image.rgb[4]).toBeCloseTo(40000 / 65535, 5);
  });

  it('reads grayscale with alpha: gray repeated in RGB, alpha kept aside', async () => {
    const file = path.join(dir, 'gray-alpha.png');
    await sharp(Buffer.from([10, 255, 200, 0]), { raw: { width: 2, height: 1, channels: 2 } }).toColourspace('b-w').png().toFile(file);
    const image = await decodeImage(file);
    expect(image.grayscale).toBe(true);
    expect(pixel(image, 0, 0)).toEqual([10, 10, 10]);
    expect(pixel(image, 1, 0)).toEqual([200, 200, 200]);
    expect(Array.from(image.alpha!)).toEqual([1, 0]);
  });

  it('reads colour with alpha', async () => {
    const file = path.join(dir, 'rgba.png');
    await sharp(Buffer.from([255, 0, 0, 128, 0, 255, 0, 255]), { raw: { width: 2, height: 1, channels: 4 } }).png().toFile(file);
    const image = await decodeImage(file);
    expect(image.grayscale).toBe(false);
    expect(pixel(image, 0, 0)).toEqual([255, 0, 0]);
    expect(image.alpha![0]).toBeCloseTo(128 / 255, 5);
  });

  it('names the file and the problem for bad input', async () => {
    const text = path.join(dir, 'notes.jpg');
    await fs.writeFile(text, 'this is not an image');
    await expect(decodeImage(text)).rejects.toThrow(`cannot read ${text}: it is not an image in a supported format`);
    const truncated = path.join(dir, 'truncated.jpg');
    const jpeg = await sharp(leftRedRightBlue(), { raw: { width: 4, height: 2, channels: 3 } }).resize(64, 64).jpeg().toBuffer();
    await fs.writeFile(truncated, jpeg.subarray(0, jpeg.length / 2));
    await expect(decodeImage(truncated)).rejects.toThrow(/cannot read .*truncated\.jpg/);
    await expect(decodeImage(path.join(dir, 'missing.png'))).rejects.toThrow(/cannot read .*missing\.png/);
  });
});
