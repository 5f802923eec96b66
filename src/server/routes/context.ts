import type { FastifyBaseLogger, FastifyInstance, FastifyRequest, FastifySchema, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Store } from '../../store/index.js';
import type { Scope } from '../api-keys.js';
import { keyOf } from '../auth.js';
import type { Workspaces } from '../workspaces.js';

export type ZodApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, ZodTypeProvider>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * What a successful request does to the workspace's live view: nothing (reads, and routes that update it
     * themselves), new rules, or (the default for writes) a rebuild, so the next read sees the change.
     */
    liveView?: LiveViewEffect;
  }
}

export type LiveViewEffect = 'unchanged' | 'rules' | 'rebuild';

export interface RouteContext {
  workspaces: Workspaces;
  /** Listings flag audiences with fewer members (SEGMINT_MIN_AUDIENCE_SIZE). */
  minAudienceSize: number;
}

/**
 * Runs `fn` on the store of the request key's workspace, and no other; after a write, brings the workspace's live
 * view up to date before answering, so a client reads its own writes.
 */
export async function inWorkspace<T>(ctx: RouteContext, request: FastifyRequest, fn: (store: Store) => Promise<T>): Promise<T> {
  const workspace = keyOf(request).workspace;
  const out = await ctx.workspaces.use(workspace, fn);
  const effect = request.routeOptions.config.liveView ?? (request.method === 'GET' ? 'unchanged' : 'rebuild');
  if (effect === 'rules') await ctx.workspaces.audiencesChanged(workspace);
  else if (effect === 'rebuild') await ctx.workspaces.rebuildView(workspace);
  return out;
}

/** Route options for a /v1 route: the scope it needs, enforced by the auth hook and stated in the OpenAPI document. */
export function guarded<S extends FastifySchema>(scope: Scope, tag: string, summary: string, schema: S, liveView?: LiveViewEffect) {
  return {
    config: { scope, liveView },
    schema: { ...schema, tags: [tag], summary, description: `Needs an API key with scope \`${scope}\` (or \`admin\`).`, security: [{ apiKey: [] }] },
  };
}
