// The studio's renderer: Svelte 5 built by Vite into renderer/dist, loaded by Electron from
// file:// (hence relative asset paths) or served by `polychrome serve`.
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [svelte()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1500 },
});
