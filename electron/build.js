#!/usr/bin/env node
// Compiles the Electron side with esbuild (tsx's and vite's own esbuild):
//   electron/main.ts    -> electron/dist/main.js     ESM (Electron >= 28 loads an ESM main), packages external
//   electron/preload.ts -> electron/dist/preload.cjs  one self-contained script for the sandboxed preload,
//                                                      whose only require is 'electron'
// Usage: node electron/build.js  (fails if the built preload requires anything but electron)
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const outdir = path.join(here, 'dist');

/** Modules a sandboxed preload may require (electron's own, and nothing from node_modules). */
export const PRELOAD_ALLOWED_REQUIRES = ['electron'];

/** The module names a built script requires. */
export function requiresOf(code) {
  return [...code.matchAll(/(?<![\w$])(?:__)?require\(\s*["'`]([^"'`]+)["'`]\s*\)/g)].map((match) => match[1]);
}

export async function buildElectron({ outDir = outdir, quiet = false } = {}) {
  const common = { bundle: true, platform: 'node', target: 'node22', sourcemap: 'linked', logLevel: quiet ? 'silent' : 'warning', legalComments: 'none' };
  await build({
    ...common,
    entryPoints: [path.join(here, 'main.ts')],
    outfile: path.join(outDir, 'main.js'),
    format: 'esm',
    // zod, sharp, ... load from node_modules at run time; electron is Electron's built-in module.
    packages: 'external',
    external: ['electron'],
  });
  await build({
    ...common,
    entryPoints: [path.join(here, 'preload.ts')],
    outfile: path.join(outDir, 'preload.cjs'),
    // A plain script (an IIFE calling require('electron')): it needs neither module nor exports.
    format: 'iife',
    // Everything but electron is bundled: a sandboxed preload cannot load files from node_modules.
    external: ['electron'],
  });
  const preload = readFileSync(path.join(outDir, 'preload.cjs'), 'utf8');
  const refused = requiresOf(preload).filter((name) => !PRELOAD_ALLOWED_REQUIRES.includes(name));
  if (refused.length) throw new Error(`the preload requires ${refused.join(', ')}: a sandboxed preload can require only ${PRELOAD_ALLOWED_REQUIRES.join(', ')}`);
  return { main: path.join(outDir, 'main.js'), preload: path.join(outDir, 'preload.cjs') };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildElectron().then(
    (built) => console.log(`built ${path.relative(process.cwd(), built.main)} and ${path.relative(process.cwd(), built.preload)}`),
    (error) => {
      console.error(`electron build failed: ${error.message}`);
      process.exit(1);
    },
  );
}
