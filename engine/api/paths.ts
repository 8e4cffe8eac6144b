// Which files the studio may touch: only those under folders the user chose (dialogs, drops,
// the folders given to the browser server). Every path in a request is checked here first.
import path from 'node:path';

export class PathPolicy {
  private readonly roots = new Set<string>();

  constructor(roots: string[] = []) {
    for (const root of roots) this.grant(root);
  }

  /** Allows a file or folder and everything below it. */
  grant(root: string): void {
    this.roots.add(path.resolve(root));
  }

  get granted(): string[] {
    return [...this.roots];
  }

  /** The resolved path, or an error naming it when it lies outside every granted folder. */
  check(file: string): string {
    const resolved = path.resolve(file);
    for (const root of this.roots) {
      const relative = path.relative(root, resolved);
      if (relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative))) return resolved;
    }
    throw new Error(`${resolved} is outside the folders you chose for Polychrome`);
  }
}
