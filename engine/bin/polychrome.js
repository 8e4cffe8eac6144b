#!/usr/bin/env node
// Entry point of `npx polychrome`: runs the TypeScript CLI through tsx's loader (no build step).
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
