// Polychrome's version, from package.json (shown in banners and written into provenance notes).
import { createRequire } from 'node:module';

export const { version } = createRequire(import.meta.url)('../package.json') as { version: string };
