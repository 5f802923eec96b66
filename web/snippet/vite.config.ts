import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The storefront snippet's build: one small IIFE (no framework) at dist/snippet/snippet.js, which the server serves
 * at /snippet.js. The size budget (under 10 KB gzipped) is checked by test/web/storefront.test.ts.
 */
export default defineConfig({
  build: {
    outDir: fileURLToPath(new URL('../../dist/snippet', import.meta.url)),
    emptyOutDir: true,
    lib: { entry: fileURLToPath(new URL('snippet.ts', import.meta.url)), formats: ['iife'], name: 'segmintSnippet', fileName: () => 'snippet.js' },
    minify: true,
    target: 'es2020',
  },
  logLevel: 'warn',
});
