import type { FastifyInstance, FastifyRequest } from 'fastify';
import { allows, KeyCache, type ApiKey, type Scope } from './api-keys.js';
import type { ControlDb } from './control-db.js';
import { ForbiddenError, UnauthorizedError } from './errors.js';

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

/**
 * Authenticates every /v1 request before its body is read: 401 without a known key, 403 when the key lacks the
 * route's scope. A route that forgot to declare a scope is refused rather than left open. Keys are looked up in a
 * KeyCache: a revocation over the API counts from the next request on, one from the CLI as soon as the server sees
 * the control file change (at the latest KEY_CACHE_MAX_AGE_MS later).
 */
export function registerAuth(app: FastifyInstance, control: ControlDb): void {
  const keys = new KeyCache(control);
  app.decorateRequest('apiKey', null);
  app.addHook('onRequest', async (request) => {
    const scope = request.routeOptions.config.scope;
    if (!request.routeOptions.url?.startsWith('/v1/')) return;
    const token = bearer(request);
    if (!token) throw new UnauthorizedError('send an API key as "Authorization: Bearer <key>"');
    const key = await keys.find(token);
    if (!key) throw new UnauthorizedError('unknown or revoked API key');
    if (!scope) throw new ForbiddenError('this route declares no scope');
    if (!allows(key, scope)) throw new ForbiddenError(`this key lacks the "${scope}" scope`, { needs: scope });
    request.apiKey = key;
  });
}

/** The authenticated key of a /v1 request (the hook above has run). */
export function keyOf(request: FastifyRequest): ApiKey {
  if (!request.apiKey) throw new UnauthorizedError('no API key');
  return request.apiKey;
}
