import type { FastifyBaseLogger, FastifyInstance, FastifyRequest, FastifySchema, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Store } from '../../store/index.js';
import type { Scope } from '../api-keys.js';
import { keyOf } from '../auth.js';
import type { Workspaces } from '../workspaces.js';

export type ZodApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, ZodTypeProvider>;

export interface RouteContext {
  workspaces: Workspaces;
}

/** Runs `fn` on the store of the request key's workspace, and no other. */
export function inWorkspace<T>(ctx: RouteContext, request: FastifyRequest, fn: (store: Store) => Promise<T>): Promise<T> {
  return ctx.workspaces.use(keyOf(request).workspace, fn);
}

/** Route options for a /v1 route: the scope it needs, enforced by the auth hook and stated in the OpenAPI document. */
export function guarded<S extends FastifySchema>(scope: Scope, tag: string, summary: string, schema: S) {
  return {
    config: { scope },
    schema: { ...schema, tags: [tag], summary, description: `Needs an API key with scope \`${scope}\` (or \`admin\`).`, security: [{ apiKey: [] }] },
  };
}
