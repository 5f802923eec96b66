import { existsSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { notFoundHandler } from './errors.js';

/**
 * Where `npm run build` puts the dashboard: `dist/web` of the package, reached the same way from `src/server`
 * (tests, tsx) and from `dist/server` (the built CLI).
 */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../dist/web', import.meta.url));

/** Whether `root` holds a built dashboard. */
export function dashboardBuilt(root: string | null = DEFAULT_WEB_ROOT): root is string {
  return root !== null && existsSync(join(root, 'index.html'));
}

/**
 * The page may load only what the server itself serves: no CDN, no inline script. ECharts and React set inline
 * styles, hence 'unsafe-inline' for styles only; charts export images as data: URLs. Images may also come from any
 * https: host: a campaign's preview shows the image its visitors will see, which shops keep on their own CDN.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob: https:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** API, documentation and asset paths never fall back to the app: an unknown one is a JSON 404. */
const API_PATH = /^\/(v1|docs|assets)(\/|$)/;

function wantsPage(request: FastifyRequest): boolean {
  const path = request.url.split('?')[0] ?? '';
  const html = request.headers.accept?.includes('text/html') ?? false;
  return (request.method === 'GET' || request.method === 'HEAD') && html && !API_PATH.test(path);
}

/**
 * Serves the built dashboard from `root` at `/`, outside `/v1` (so without an API key: the page holds no data, the
 * browser sends the key with each API call). Files are registered one route each at start-up (no wildcard), so a
 * request for any other path reaches the not-found handler: a browser navigating to one of the app's own paths
 * (`/audiences/x`, reloaded) gets index.html, anything else the JSON 404. Without a built dashboard, `/` says how
 * to build one.
 */
export async function registerDashboard(app: FastifyInstance, root: string | null): Promise<void> {
  if (!dashboardBuilt(root)) {
    app.setNotFoundHandler((request, reply) => {
      if (!wantsPage(request)) return notFoundHandler(request, reply);
      return reply.status(404).type('text/plain').send('The dashboard is not built: run `npm run build` in the Segmint checkout.\n');
    });
    return;
  }
  await app.register(fastifyStatic, {
    root,
    wildcard: false,
    schemaHide: true,
    setHeaders: (reply, path) => {
      if (path.endsWith('.html')) {
        // The page is small and names the current assets: always revalidated, so a new build shows at once.
        reply.header('cache-control', 'no-cache');
        reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
        reply.header('referrer-policy', 'no-referrer');
        reply.header('x-content-type-options', 'nosniff');
      } else if (path.includes(`${sep}assets${sep}`)) {
        // Vite names assets by their content hash, so a cached copy never goes stale.
        reply.header('cache-control', 'public, max-age=31536000, immutable');
      }
    },
  });
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => (wantsPage(request) ? reply.sendFile('index.html') : notFoundHandler(request, reply)));
}
