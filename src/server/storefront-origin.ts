import type { FastifyReply, FastifyRequest } from 'fastify';
import { STOREFRONT, type ApiKey } from './api-keys.js';
import { ForbiddenError } from './errors.js';

/**
 * The origin a browser request comes from: its Origin header, or for a same-origin GET (which browsers send
 * without one) the origin of its Referer.
 */
function requestOrigin(request: FastifyRequest): string | undefined {
  const origin = request.headers.origin;
  if (origin && origin !== 'null') return origin;
  const referer = request.headers.referer;
  if (!referer) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return undefined;
  }
}

export function isStorefrontKey(key: ApiKey): boolean {
  return key.scopes.includes(STOREFRONT);
}

/**
 * A storefront key is refused from any page but those of its origins: it is public, so the origin is what ties it
 * to the shop. Browsers set Origin themselves, so a page elsewhere cannot borrow the key.
 */
export function checkStorefrontOrigin(request: FastifyRequest, key: ApiKey): string {
  const origin = requestOrigin(request);
  if (!origin) throw new ForbiddenError('a storefront key is used from a web page: the request has no Origin', { origins: key.origins });
  if (!key.origins.includes(origin)) throw new ForbiddenError(`origin ${origin} is not allowed for this storefront key`, { origin });
  return origin;
}

/** Lets the page at `origin` read the answer; `Vary` keeps a shared cache from serving it to another origin. */
export function allowOrigin(reply: FastifyReply, origin: string): void {
  reply.header('access-control-allow-origin', origin);
  reply.header('vary', 'Origin');
}

/** How long a browser may reuse a preflight's answer. */
const PREFLIGHT_MAX_AGE_S = 600;

export function answerPreflight(reply: FastifyReply, origin: string): FastifyReply {
  allowOrigin(reply, origin);
  reply.header('access-control-allow-methods', 'GET, POST');
  reply.header('access-control-allow-headers', 'content-type, authorization');
  reply.header('access-control-max-age', String(PREFLIGHT_MAX_AGE_S));
  return reply.status(204).send();
}
