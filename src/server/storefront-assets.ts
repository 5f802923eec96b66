import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { HERO_SVG, isDemoPage, SHOP_SCRIPT, storefrontPage } from '../demo/storefront-page.js';
import type { ZodApp } from './routes/context.js';
import { notFoundHandler } from './errors.js';

/** Where `npm run build` puts the snippet (web/snippet), reached the same way from src/server and dist/server. */
export const DEFAULT_SNIPPET_PATH = fileURLToPath(new URL('../../dist/snippet/snippet.js', import.meta.url));

/**
 * GET /snippet.js: the storefront snippet, public and cacheable for a few minutes (a new build reaches shops soon
 * without a versioned URL in their pages). With `demo`, also the sample storefront at /storefront/demo, which loads
 * it with the demo's storefront key.
 */
export function registerStorefrontAssets(app: ZodApp, snippetPath: string | null, demo: { key: string; timeoutMs?: number } | undefined): void {
  const snippet = snippetPath !== null && existsSync(snippetPath) ? readFileSync(snippetPath) : undefined;
  app.get('/snippet.js', { schema: { hide: true } }, (request, reply) => {
    if (!snippet) return notFoundHandler(request, reply);
    return reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=300').header('access-control-allow-origin', '*').send(snippet);
  });
  if (!demo) return;
  const query = z.object({ page: z.string().default('home'), customer: z.string().max(256).optional() });
  app.get('/storefront/demo', { schema: { hide: true, querystring: query } }, (request, reply) => {
    const { page, customer } = request.query;
    if (!isDemoPage(page)) return notFoundHandler(request, reply);
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(storefrontPage({ key: demo.key, page, customer, timeoutMs: demo.timeoutMs }));
  });
  app.get('/storefront/shop.js', { schema: { hide: true } }, (_request, reply) => reply.type('text/javascript; charset=utf-8').send(SHOP_SCRIPT));
  app.get('/storefront/hero.svg', { schema: { hide: true } }, (_request, reply) => reply.type('image/svg+xml').header('cache-control', 'public, max-age=3600').send(HERO_SVG));
}
