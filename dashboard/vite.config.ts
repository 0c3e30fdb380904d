// Vite config of the dashboard (`npm run dashboard:build`, or `npx vite dashboard` to develop).
// No inline script or style may end up in the output: the admin listener serves it under a strict CSP.
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  plugins: [preact()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    reportCompressedSize: false,
  },
  server: {
    // `vite dashboard` during development: the admin listener answers /api
    proxy: { '/api': 'http://127.0.0.1:9901' },
  },
});
