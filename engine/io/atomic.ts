// Outputs are written to a temporary name beside the target and renamed into place, so a reader
// never sees half a file and a crash leaves no truncated output.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** A hidden name beside the target, unique to this process and call. */
function temporaryPath(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
}

export async function writeFileAtomic(target: string, data: Buffer | string): Promise<void> {
  const temporary = temporaryPath(target);
  try {
    await fs.writeFile(temporary, data);
    await fs.rename(temporary, target);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
}

/** `photo.jpg` -> `photo (2).jpg`, `photo (3).jpg`, ... */
export function numberedName(target: string, n: number): string {
  if (n <= 1) return target;
  const extension = path.extname(target);
  return `${target.slice(0, target.length - extension.length)} (${n})${extension}`;
}

/**
 * Writes a new file atomically and never replaces an existing one: when the name is taken the
 * output gets a numbered suffix instead. The complete temporary file is hard-linked to its final
 * name (link fails if the name exists, so two writers cannot both take it); on file systems
 * without hard links it is renamed after a check. Returns the path written.
 */
export async function writeNewFileAtomic(target: string, data: Buffer | string): Promise<string> {
  const temporary = temporaryPath(target);
  try {
    await fs.writeFile(temporary, data);
    for (let n = 1; ; n++) {
      const candidate = numberedName(target, n);
      try {
        await fs.link(temporary, candidate);
        return candidate;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') continue;
        if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV' && code !== 'ENOSYS') throw error;
        if (await exists(candidate)) continue;
        await fs.rename(temporary, candidate);
        return candidate;
      }
    }
  } finally {
    await fs.rm(temporary, { force: true });
  }
}

/** Whether anything (file, folder, even a broken link) has this name. */
export async function exists(file: string): Promise<boolean> {
  return fs.lstat(file).then(() => true, () => false);
}
