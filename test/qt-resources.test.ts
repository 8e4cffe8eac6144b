import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readQtResources } from '../engine/data/qt-resources.ts';

/** Writes a version-2 Qt resource bundle: root dir -> "images" dir -> two files (one zlib-compressed). */
function makeBundle(): Buffer {
  const names = ['images', 'a.webp', 'b.png'];
  const nameTable: Buffer[] = [];
  const nameOffsets: number[] = [];
  let offset = 0;
  for (const name of names) {
    const utf16 = Buffer.from(name, 'utf16le').swap16();
    const entry = Buffer.alloc(6 + utf16.length);
    entry.writeUInt16BE(name.length, 0);
    entry.writeUInt32BE(0, 2); // hash, unused by the reader
    utf16.copy(entry, 6);
    nameOffsets.push(offset);
    nameTable.push(entry);
    offset += entry.length;
  }
  const plain = Buffer.from('RIFF-plain-bytes');
  const original = Buffer.from('PNG bytes that compress '.repeat(4));
  const compressed = Buffer.concat([Buffer.from([0, 0, 0, original.length]), deflateSync(original)]);
  const data: Buffer[] = [];
  const dataOffsets: number[] = [];
  let dataOffset = 0;
  for (const blob of [plain, compressed]) {
    const sized = Buffer.alloc(4 + blob.length);
    sized.writeUInt32BE(blob.length, 0);
    blob.copy(sized, 4);
    dataOffsets.push(dataOffset);
    data.push(sized);
    dataOffset += sized.length;
  }
  const entry = (name: number, flags: number, a: number, b: number, c?: number) => {
    const e = Buffer.alloc(22);
    e.writeUInt32BE(name, 0);
    e.writeUInt16BE(flags, 4);
    if (flags & 2) { e.writeUInt32BE(a, 6); e.writeUInt32BE(b, 10); } else { e.writeUInt16BE(a, 6); e.writeUInt16BE(b, 8); e.writeUInt32BE(c!, 10); }
    return e;
  };
  const tree = Buffer.concat([
    entry(0, 2, 1, 1), // root: one child at index 1
    entry(nameOffsets[0], 2, 2, 2), // images/: two children from index 2
    entry(nameOffsets[1], 0, 0, 0, dataOffsets[0]),
    entry(nameOffsets[2], 1, 0, 0, dataOffsets[1]),
  ]);
  const header = Buffer.alloc(20);
  header.write('qres', 0, 'latin1');
  header.writeUInt32BE(2, 4);
  const treeAt = 20;
  const dataAt = treeAt + tree.length;
  const namesAt = dataAt + dataOffset;
  header.writeUInt32BE(treeAt, 8);
  header.writeUInt32BE(dataAt, 12);
  header.writeUInt32BE(namesAt, 16);
  return Buffer.concat([header, tree, ...data, ...nameTable]);
}

describe('Qt resource bundles', () => {
  it('lists files with their paths and inflates zlib entries', () => {
    const files = readQtResources(makeBundle());
    expect(files.map((f) => f.path)).toEqual(['images/a.webp', 'images/b.png']);
    expect(files[0].data.toString()).toBe('RIFF-plain-bytes');
    expect(files[1].data.toString()).toBe('PNG bytes that compress '.repeat(4));
  });

  it('refuses what is not a bundle, naming it', () => {
    expect(() => readQtResources(Buffer.from('PK\u0003\u0004 a zip file, not qres'), 'sounds.rcc')).toThrow('sounds.rcc is not a Qt resource bundle');
  });
});
