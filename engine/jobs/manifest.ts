// The batch manifest: one JSON file in the output folder recording, per input file, the outputs
// planned for it and whether they are all written. It is replaced atomically after every change,
// so a run killed at any moment leaves a manifest that describes the folder truthfully:
//  - 'planned': output names were chosen and recorded before writing; any of them present on disk
//    is complete (outputs are written atomically), the others are still to be written;
//  - 'done': every output exists;  'failed': the file could not be colorized (error kept).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../io/atomic.ts';

export const MANIFEST_NAME = 'polychrome-batch.json';
const MANIFEST_VERSION = 1;

export interface ManifestEntry {
  status: 'planned' | 'done' | 'failed';
  /** Output paths relative to the output folder. */
  outputs: string[];
  error?: string;
}

export interface ManifestData {
  version: number;
  input: string;
  /** The options that decide the outputs; a resume must use the same ones. */
  settings: Record<string, unknown>;
  files: Record<string, ManifestEntry>;
}

export class Manifest {
  private constructor(readonly file: string, readonly data: ManifestData) {}

  static async open(outputDir: string, input: string, settings: Record<string, unknown>, resume: boolean): Promise<Manifest> {
    const file = path.join(outputDir, MANIFEST_NAME);
    let existing: string | null = null;
    try {
      existing = await fs.readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (existing === null) return new Manifest(file, { version: MANIFEST_VERSION, input, settings, files: {} });
    if (!resume) throw new Error(`${outputDir} already holds a batch (${MANIFEST_NAME}): add --resume to continue it, or choose another output folder`);
    let data: ManifestData;
    try {
      data = JSON.parse(existing) as ManifestData;
    } catch {
      throw new Error(`${file} is not valid JSON: it cannot be resumed`);
    }
    if (data.version !== MANIFEST_VERSION) throw new Error(`${file} has format version ${data.version}; this Polychrome reads version ${MANIFEST_VERSION}`);
    if (JSON.stringify(data.settings) !== JSON.stringify(settings)) {
      throw new Error(`${file} was made with other settings (${JSON.stringify(data.settings)}): resume with the same options`);
    }
    return new Manifest(file, data);
  }

  entry(relative: string): ManifestEntry | undefined {
    return this.data.files[relative];
  }

  /** Every output path recorded so far (to keep new names from colliding with them). */
  claimed(): Set<string> {
    return new Set(Object.values(this.data.files).flatMap((e) => e.outputs));
  }

  async set(relative: string, entry: ManifestEntry): Promise<void> {
    this.data.files[relative] = entry;
    await writeFileAtomic(this.file, `${JSON.stringify(this.data, null, 2)}\n`);
  }
}
