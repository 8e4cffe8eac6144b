#!/usr/bin/env node
// `npm start`: the desktop studio when Electron can run here, otherwise the browser mode.
//
//   node electron/start.js [--browser] [--check] [options for `polychrome serve`...]
//
// 1. Finds Electron's binary (node_modules/electron; since Electron 42 it is fetched at first run,
//    which fails offline) and a display to show it on. Where either is missing it says why and
//    starts `node engine/bin/polychrome.js serve` instead (it prints the studio's address).
// 2. Builds what is missing: the renderer (npm run build:renderer, or vite build) when
//    renderer/dist/index.html is not there, and always the Electron bundles (electron/build.js,
//    well under a second).
// --browser skips Electron (so does POLYCHROME_MODE=browser); --check prints the decision as JSON
// and starts nothing. POLYCHROME_ELECTRON_DOWNLOAD=0 forbids the first-run download;
// POLYCHROME_ELECTRON_DIR points at another electron package folder (the tests use it).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');

/** The first line of some output that says what went wrong. */
function why(text) {
  const lines = String(text ?? '').split('\n').map((line) => line.trim()).filter(Boolean);
  return lines.find((line) => /error|failed|ENOTFOUND|EAI_AGAIN|ECONN/i.test(line)) ?? lines.at(-1) ?? 'no output';
}

/**
 * Where Electron's binary is, or why it cannot be used: { path } or { reason }.
 * Never throws; the first-run download happens in a child process with a time limit.
 */
export function findElectron({ env = process.env, platform = process.platform, electronDir = env.POLYCHROME_ELECTRON_DIR ?? path.join(root, 'node_modules', 'electron') } = {}) {
  if (env.POLYCHROME_MODE === 'browser') return { reason: 'POLYCHROME_MODE=browser' };
  if (platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) return { reason: 'there is no display to open a window on (DISPLAY and WAYLAND_DISPLAY are unset)' };
  if (!existsSync(path.join(electronDir, 'package.json'))) return { reason: `the electron package is not installed (${electronDir} is missing; run npm install)` };
  const pathFile = path.join(electronDir, 'path.txt');
  if (existsSync(pathFile)) {
    const binary = path.join(env.ELECTRON_OVERRIDE_DIST_PATH ?? path.join(electronDir, 'dist'), readFileSync(pathFile, 'utf8').trim());
    if (existsSync(binary)) return { path: binary };
  }
  if (env.POLYCHROME_ELECTRON_DOWNLOAD === '0') return { reason: `the Electron binary is not installed (${path.join(electronDir, 'dist')} is missing) and POLYCHROME_ELECTRON_DOWNLOAD=0 forbids fetching it` };
  // require('electron') gives the binary's path, downloading it first when it is missing.
  const childEnv = { ...env };
  delete childEnv.ELECTRON_RUN_AS_NODE;
  const attempt = spawnSync(process.execPath, ['-e', `process.stdout.write('\\n' + require(${JSON.stringify(electronDir)}))`], {
    encoding: 'utf8', timeout: 180_000, env: childEnv,
  });
  const found = attempt.status === 0 ? attempt.stdout.trim().split('\n').at(-1) : null;
  if (found && existsSync(found)) return { path: found };
  const detail = attempt.error ? attempt.error.message : why(`${attempt.stderr}\n${attempt.stdout}`);
  return { reason: `the Electron binary is not installed and could not be downloaded (${detail})` };
}

/** Runs a command to completion with the output shown; true when it succeeded. */
function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: root, shell: process.platform === 'win32', ...options });
  return result.status === 0;
}

/** Builds renderer/dist when it is missing. */
export function ensureRenderer() {
  if (existsSync(path.join(root, 'renderer', 'dist', 'index.html'))) return true;
  const scripts = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).scripts ?? {};
  if (scripts['build:renderer']) {
    console.error('Polychrome: building the studio (npm run build:renderer)…');
    return run('npm', ['run', 'build:renderer']);
  }
  const rendererDir = path.join(root, 'renderer');
  if (!existsSync(rendererDir)) {
    console.error('Polychrome: renderer/ is not there, so there is no studio to build.');
    return false;
  }
  console.error('Polychrome: building the studio (vite build)…');
  const ownConfig = ['vite.config.ts', 'vite.config.js', 'vite.config.mjs'].some((name) => existsSync(path.join(rendererDir, name)));
  return ownConfig ? run('npx', ['vite', 'build'], { cwd: rendererDir }) : run('npx', ['vite', 'build', 'renderer']);
}

/** Starts a child with our stdio, passes Ctrl-C and SIGTERM on, and resolves with its exit. */
function supervise(command, args, options = {}) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(command, args, { stdio: 'inherit', cwd: root, ...options });
    const forward = (signal) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    const done = (result) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve({ ...result, seconds: (Date.now() - started) / 1000 });
    };
    child.once('error', (error) => done({ error }));
    child.once('exit', (code, signal) => done({ code, signal }));
  });
}

async function browserMode(args, reason) {
  if (reason) console.error(`Polychrome: not starting the desktop window: ${reason}.\nPolychrome: starting the browser mode instead (open the address below).`);
  ensureRenderer();
  const result = await supervise(process.execPath, [path.join(root, 'engine', 'bin', 'polychrome.js'), 'serve', ...args]);
  if (result.error) {
    console.error(`Polychrome: could not start the browser mode: ${result.error.message}`);
    return 1;
  }
  return result.code ?? 1;
}

export async function start(argv) {
  const browser = argv.includes('--browser');
  const check = argv.includes('--check');
  const args = argv.filter((arg) => arg !== '--browser' && arg !== '--check');
  const electron = browser ? { reason: '--browser was given' } : findElectron();
  if (check) {
    console.log(JSON.stringify(electron.path ? { mode: 'electron', electron: electron.path } : { mode: 'browser', reason: electron.reason }));
    return 0;
  }
  if (!electron.path) return browserMode(args, browser ? null : electron.reason);

  if (!ensureRenderer()) return browserMode(args, 'the studio could not be built');
  const { buildElectron } = await import('./build.js');
  await buildElectron({ quiet: true });
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE;
  const result = await supervise(electron.path, [root, ...args], { env });
  // Electron that cannot start at all (missing system libraries, no GPU process, ...) fails at
  // once: then the browser mode still gives the studio.
  if (result.error || (result.code !== 0 && result.signal == null && result.seconds < 5)) {
    return browserMode(args, result.error ? `Electron did not start (${result.error.message})` : `Electron exited at once with code ${result.code}`);
  }
  return result.code ?? 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  start(process.argv.slice(2)).then((code) => process.exit(code), (error) => {
    console.error(`Polychrome: ${error.message}`);
    process.exit(1);
  });
}
