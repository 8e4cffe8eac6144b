// Where the pieces of the app lie, in development (the repository) and packaged (electron-builder:
// the app folder, with the models in process.resourcesPath).
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { HostOptions } from '../engine/host/protocol.ts';

export interface Layout {
  /** renderer/dist/index.html and its file URL (the only page the window shows). */
  page: string;
  pageUrl: string;
  /** The compiled sandboxed preload (CommonJS). */
  preload: string;
  /** The engine host's entry for the utilityProcess. */
  hostEntry: string;
  host: HostOptions;
  /** Default export folder: Pictures/Polychrome. */
  outputDir: string;
}

export interface LayoutInput {
  /** The folder of main.js: electron/dist once compiled (electron/ when main.ts runs from source). */
  distDir: string;
  isPackaged: boolean;
  /** process.resourcesPath (packaged builds keep the models there). */
  resourcesPath: string;
  userData: string;
  pictures: string;
}

export function appLayout(input: LayoutInput): Layout {
  const electronDir = path.basename(input.distDir) === 'dist' ? path.dirname(input.distDir) : input.distDir;
  const root = path.dirname(path.resolve(electronDir));
  const page = path.join(root, 'renderer', 'dist', 'index.html');
  return {
    page,
    pageUrl: pathToFileURL(page).href,
    preload: path.join(electronDir, 'dist', 'preload.cjs'),
    hostEntry: path.join(root, 'engine', 'host', 'utility.js'),
    host: {
      builtInModels: input.isPackaged ? path.join(input.resourcesPath, 'models') : path.join(root, 'resources', 'models'),
      userModels: path.join(input.userData, 'models'),
      roots: [],
    },
    outputDir: path.join(input.pictures, 'Polychrome'),
  };
}
