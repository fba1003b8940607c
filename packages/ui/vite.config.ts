import { defineConfig } from 'vite';

/**
 * The app is served by `orrery server` at `/` or below `--static-prefix`, so every URL it makes
 * is relative to the page: assets with `base: './'` (under `static-files/`, as MLflow's), and API
 * calls to `ajax-api/2.0/...` from the page's own directory.
 */
export default defineConfig({
  base: './',
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: 'dist',
    assetsDir: 'static-files',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
  },
});
