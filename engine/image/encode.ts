// Image output through sharp: JPEG, PNG, TIFF or WebP from upright sRGB pixels, keeping the
// source photo's EXIF and colour profile and recording that Polychrome colorized it.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';

export type OutputFormat = 'jpeg' | 'png' | 'tiff' | 'webp';

const EXTENSIONS: Record<string, OutputFormat> = { '.jpg': 'jpeg', '.jpeg': 'jpeg', '.png': 'png', '.tif': 'tiff', '.tiff': 'tiff', '.webp': 'webp' };

/** The usual extension of a format. */
export function extensionFor(format: OutputFormat): string {
  return { jpeg: '.jpg', png: '.png', tiff: '.tif', webp: '.webp' }[format];
}

/** The output format for a file name, by its extension (case-insensitive), or null when it is not one we write. */
export function formatForPath(file: string): OutputFormat | null {
  return EXTENSIONS[path.extname(file).toLowerCase()] ?? null;
}

export interface EncodeOptions {
  format: OutputFormat;
  /** JPEG/WebP quality 1-100, default 92. */
  quality?: number;
  /** Path of the source photo whose EXIF and ICC profile the output keeps. */
  original?: string;
  /** Provenance text, written as EXIF ImageDescription and XMP dc:description. */
  note?: string;
}

const DEFAULT_NOTE = 'Colorized by Polychrome';

/**
 * Encodes interleaved sRGB pixels (3 channels, already upright). A Uint16Array is written as 16-bit
 * for PNG/TIFF and reduced to 8-bit for JPEG/WebP. With `original`, its EXIF (orientation reset to 1)
 * is kept and, when it has an RGB ICC profile, the pixels are converted into that profile and it is embedded.
 */
export async function encodeImage(rgb: Uint8Array | Uint16Array, width: number, height: number, options: EncodeOptions): Promise<Buffer> {
  if (rgb.length !== width * height * 3) throw new Error(`expected ${width}x${height}x3 = ${width * height * 3} samples, got ${rgb.length}`);
  const sixteen = rgb instanceof Uint16Array;
  const keep16 = sixteen && (options.format === 'png' || options.format === 'tiff');
  const raw = { width, height, channels: 3 as const };
  const icc = options.original ? rgbProfile(await readProfile(options.original)) : undefined;
  const pixels = icc ? await fromSrgb(rgb, raw, icc) : rgb;

  const note = options.note ?? DEFAULT_NOTE;
  // Orientation 1: the pixels are upright, so the original's rotation must not be applied again.
  const exif = { IFD0: { Software: 'Polychrome', ImageDescription: exifAscii(note), Orientation: '1' } };
  let image: Sharp;
  if (options.original) {
    // sharp can only carry EXIF over from its input, so the original is the input and our pixels
    // replace its own (blend 'source'). rotate()/resize() make it match our upright size.
    image = sharp(options.original)
      .rotate()
      .resize(width, height, { fit: 'fill' })
      // sharp's types say Buffer, but it takes any typed array and reads the depth from its type.
      .composite([{ input: pixels as Buffer, raw, blend: 'source' }])
      .removeAlpha()
      .withExifMerge(exif);
    // Composite in 16-bit so 16-bit pixels are not reduced to 8-bit on the way.
    if (sixteen) image = image.pipelineColourspace('rgb16');
    // The pixels are already in the original's profile: attach it without transforming.
    if (icc) image = image.keepIccProfile();
  } else {
    image = sharp(pixels, { raw }).withExif(exif);
  }
  // TIFF output carries no EXIF in sharp/libvips, so the note also goes into XMP (all formats).
  image = image.withXmp(provenanceXmp(note)).toColourspace(keep16 ? 'rgb16' : 'srgb');

  const quality = options.quality ?? 92;
  switch (options.format) {
    case 'jpeg': return image.jpeg({ quality, chromaSubsampling: '4:4:4' }).toBuffer();
    case 'webp': return image.webp({ quality }).toBuffer();
    case 'png': return image.png().toBuffer();
    // sharp's TIFF default is JPEG compression, which is lossy and 8-bit only.
    case 'tiff': return image.tiff({ compression: 'deflate' }).toBuffer();
  }
}

async function readProfile(file: string): Promise<Buffer | undefined> {
  try {
    return (await sharp(file).metadata()).icc;
  } catch (error) {
    throw new Error(`cannot read original ${file}: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** The profile if it describes RGB data (ICC header bytes 16-19); a grey or CMYK profile cannot tag our RGB output. */
function rgbProfile(icc: Buffer | undefined): Buffer | undefined {
  return icc && icc.length >= 20 && icc.toString('latin1', 16, 20) === 'RGB ' ? icc : undefined;
}

/** Converts sRGB pixels into the given ICC profile, same depth, raw in and out. */
async function fromSrgb(rgb: Uint8Array | Uint16Array, raw: { width: number; height: number; channels: 3 }, icc: Buffer): Promise<Uint8Array | Uint16Array> {
  // withIccProfile() takes a file path or a built-in name, not a buffer.
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'polychrome-icc-'));
  try {
    const profile = path.join(dir, 'original.icc');
    await fs.writeFile(profile, icc);
    let image = sharp(rgb, { raw });
    // sharp assumes 16-bit RGB is Display P3 when it applies an output profile; in a float (scRGB)
    // pipeline it assumes sRGB, which is what we have. toColourspace('rgb16') keeps 16 bits.
    if (rgb instanceof Uint16Array) image = image.pipelineColourspace('scrgb').toColourspace('rgb16');
    const out = await image.withIccProfile(profile, { attach: false }).raw({ depth: rgb instanceof Uint16Array ? 'ushort' : 'uchar' }).toBuffer();
    // Copy into a fresh buffer: a view would need 2-byte alignment of out.byteOffset.
    return rgb instanceof Uint16Array ? new Uint16Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.length)) : out;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/**
 * libvips reads EXIF strings in its own display form "value (value, ASCII, n components, n bytes)" and
 * drops a trailing " (...)"; a note that itself ends in ")" gets an empty " ()" for it to drop instead.
 */
function exifAscii(text: string): string {
  return text.endsWith(')') ? `${text} ()` : text;
}

function provenanceXmp(note: string): string {
  const text = note.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    + '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/">'
    + `<xmp:CreatorTool>Polychrome</xmp:CreatorTool><dc:description><rdf:Alt><rdf:li xml:lang="x-default">${text}</rdf:li></rdf:Alt></dc:description>`
    + '</rdf:Description></rdf:RDF></x:xmpmeta>';
}
