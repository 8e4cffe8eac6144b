// Electron utilityProcess entry: registers tsx's loader in this process, then runs the TypeScript
// host (utility-main.ts), which talks to the main process over process.parentPort.
import { register } from 'tsx/esm/api';

register();
await import('./utility-main.ts');
