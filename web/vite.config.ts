import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The dashboard's build: `npm run build` writes it to dist/web, which `segmint serve` serves at `/`. `npx vite
 * --config web/vite.config.ts` serves it for development, with /v1 sent on to a running `segmint serve`.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    // One bundle, ECharts included; the budget that matters (under 500 KB gzipped) is checked by the browser test.
    chunkSizeWarningLimit: 1500,
  },
  server: { proxy: { '/v1': 'http://127.0.0.1:3000' } },
});
