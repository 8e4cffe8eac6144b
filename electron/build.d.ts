// Types of electron/build.js (plain JavaScript so `node electron/build.js` needs no loader).
export declare const PRELOAD_ALLOWED_REQUIRES: string[];
/** The module names a built script requires. */
export declare function requiresOf(code: string): string[];
/** Builds electron/dist/main.js (ESM) and electron/dist/preload.cjs (sandboxed preload). */
export declare function buildElectron(options?: { outDir?: string; quiet?: boolean }): Promise<{ main: string; preload: string }>;
