// Reads Qt resource bundles (.rcc, the binary format written by Qt's rcc tool): a header, a tree of
// directory and file entries, a name table (UTF-16) and a data block. Used to take the photos out of
// gcompris' bundles.
import { inflateSync } from 'node:zlib';

const FLAG_COMPRESSED = 0x01;
const FLAG_DIRECTORY = 0x02;
const FLAG_COMPRESSED_ZSTD = 0x04;

export interface ResourceFile {
  /** Path inside the bundle, e.g. "gcompris/src/activities/explore_farm_animals/resource/cow.webp". */
  path: string;
  data: Buffer;
}

export function readQtResources(bundle: Buffer, source = 'bundle'): ResourceFile[] {
  if (bundle.length < 20 || bundle.toString('latin1', 0, 4) !== 'qres') throw new Error(`${source} is not a Qt resource bundle (no "qres" header)`);
  const version = bundle.readUInt32BE(4);
  if (version < 1 || version > 3) throw new Error(`${source} has Qt resource format version ${version}; versions 1 to 3 are known`);
  const treeOffset = bundle.readUInt32BE(8);
  const dataOffset = bundle.readUInt32BE(12);
  const namesOffset = bundle.readUInt32BE(16);
  const entrySize = version >= 2 ? 22 : 14;

  const nameAt = (offset: number): string => {
    const at = namesOffset + offset;
    const length = bundle.readUInt16BE(at);
    const chars = bundle.subarray(at + 6, at + 6 + length * 2);
    return Buffer.from(chars).swap16().toString('utf16le');
  };

  const files: ResourceFile[] = [];
  const visit = (index: number, prefix: string, depth: number): void => {
    if (depth > 64) throw new Error(`${source} has a resource tree deeper than 64 levels`);
    const at = treeOffset + index * entrySize;
    const flags = bundle.readUInt16BE(at + 4);
    const name = index === 0 ? '' : nameAt(bundle.readUInt32BE(at));
    const path = prefix && name ? `${prefix}/${name}` : prefix || name;
    if (flags & FLAG_DIRECTORY) {
      const count = bundle.readUInt32BE(at + 6);
      const first = bundle.readUInt32BE(at + 10);
      for (let child = 0; child < count; child++) visit(first + child, path, depth + 1);
      return;
    }
    const dataAt = dataOffset + bundle.readUInt32BE(at + 10);
    const size = bundle.readUInt32BE(dataAt);
    const stored = bundle.subarray(dataAt + 4, dataAt + 4 + size);
    if (flags & FLAG_COMPRESSED_ZSTD) throw new Error(`${source}: ${path} is zstd-compressed, which this reader does not support`);
    // zlib entries start with the uncompressed size (4 bytes) before the zlib stream.
    const data = flags & FLAG_COMPRESSED ? inflateSync(stored.subarray(4)) : Buffer.from(stored);
    files.push({ path, data });
  };
  visit(0, '', 0);
  return files;
}
