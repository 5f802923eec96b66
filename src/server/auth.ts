import type { FastifyInstance, FastifyRequest } from 'fastify';
import { allows, KeyCache, STOREFRONT, type ApiKey, type Scope } from './api-keys.js';
import type { ControlDb } from './control-db.js';
import { ForbiddenError, UnauthorizedError } from './errors.js';
import { allowOrigin, answerPreflight, checkStorefrontOrigin, isStorefrontKey } from './storefront-origin.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The scope a route needs; every route under /v1 declares one. */
    scope?: Scope;
  }
  interface FastifyRequest {
    apiKey: ApiKey | null;
  }
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

/** A storefront route also takes its key as `?key=`: a browser then sends a simple GET, with no preflight. */
function queryKey(request: FastifyRequest): string | undefined {
  const key = (request.query as Record<string, unknown> | undefined)?.key;
  return typeof key === 'string' ? key : undefined;
}

/** The /v1 paths a storefront key serves, which browsers reach from the shop's pages (and preflight). */
const STOREFRONT_PATHS = new Set(['/v1/decide', '/v1/campaign-events']);

/**
 * Authenticates every /v1 request before its body is read: 401 without a known key, 403 when the key lacks the
 * route's scope. A route that forgot to declare a scope is refused rather than left open. Keys are looked up in a
 * KeyCache: a revocation over the API counts from the next request on, one from the CLI as soon as the server is
 * notified of the control file's change, or sees it at its next check (KEY_CACHE_CHECK_MS); see KeyCache.
 */
export function registerAuth(app: FastifyInstance, control: ControlDb): void {
  const keys = new KeyCache(control);
  app.addHook('onClose', () => keys.close());
  app.decorateRequest('apiKey', null);
  app.addHook('onRequest', async (request, reply) => {
    // A browser's preflight before POSTing JSON: answered only for a live storefront key from one of its origins.
    // (The path is cut out of the URL for preflights only: decide's URLs are long, and every request would copy it.)
    if (request.method === 'OPTIONS' && STOREFRONT_PATHS.has(request.url.split('?')[0] ?? '')) {
      const key = await keys.find(queryKey(request) ?? '');
      if (!key || !isStorefrontKey(key)) throw new UnauthorizedError('unknown or revoked storefront key');
      return answerPreflight(reply, checkStorefrontOrigin(request, key));
    }
    // Read once: Fastify builds a new routeOptions object at every read.
    const route = request.routeOptions;
    const scope = route.config.scope;
    if (!route.url?.startsWith('/v1/')) return;
    const token = bearer(request) ?? (scope === STOREFRONT ? queryKey(request) : undefined);
    if (!token) throw new UnauthorizedError('send an API key as "Authorization: Bearer <key>"');
    const key = await keys.find(token);
    if (!key) throw new UnauthorizedError('unknown or revoked API key');
    if (!scope) throw new ForbiddenError('this route declares no scope');
    if (!allows(key, scope)) throw new ForbiddenError(`this key lacks the "${scope}" scope`, { needs: scope });
    if (isStorefrontKey(key)) allowOrigin(reply, checkStorefrontOrigin(request, key));
    request.apiKey = key;
  });
}

/** The authenticated key of a /v1 request (the hook above has run). */
export function keyOf(request: FastifyRequest): ApiKey {
  if (!request.apiKey) throw new UnauthorizedError('no API key');
  return request.apiKey;
}
