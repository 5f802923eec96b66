import type { LlmConfig, WebhookAddressPolicy } from '../../shared/config.js';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest, FastifySchema, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Store } from '../../store/index.js';
import type { Scope } from '../api-keys.js';
import { keyOf } from '../auth.js';
import { BODY_ERROR_STATUSES, COMMON_ERROR_STATUSES, errorResponses, PARAMS_ERROR_STATUSES } from '../errors.js';
import type { CampaignDeciders } from '../campaign-deciders.js';
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

type LiveViewEffect = 'unchanged' | 'rules' | 'rebuild';

export interface RouteContext {
  workspaces: Workspaces;
  /** Listings flag audiences with fewer members (SEGMINT_MIN_AUDIENCE_SIZE). */
  minAudienceSize: number;
  /** The optional OpenAI-compatible endpoint (SEGMINT_LLM_*); without it, only the embedded defaults. */
  llm: LlmConfig | undefined;
  /** Each workspace's campaign decider, kept in memory. */
  campaigns: CampaignDeciders;
  /** Which addresses webhook URLs may reach (SEGMINT_WEBHOOK_ADDRESSES). */
  webhookAddresses: WebhookAddressPolicy;
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

/** A route's schemas, and the error statuses it may answer beyond those its schemas imply (errors.ts). */
type RouteSchema = FastifySchema & { errors?: readonly number[] };

/**
 * Route options for a /v1 route: the scope it needs, enforced by the auth hook and stated in the OpenAPI document,
 * and its error statuses, each answered and documented with the one error body (errors.ts).
 *
 * The error schemas are left out of the static type: errors are thrown and sent by the error handler, never returned
 * by a handler, so a handler's return type stays its success schema's.
 */
export function guarded<S extends RouteSchema>(scope: Scope, tag: string, summary: string, schema: S, liveView?: LiveViewEffect) {
  const { errors = [], ...rest } = schema;
  const statuses = [...COMMON_ERROR_STATUSES, ...(rest.body ? BODY_ERROR_STATUSES : []), ...(rest.params ? PARAMS_ERROR_STATUSES : []), ...errors];
  const response = { ...errorResponses(...statuses), ...(rest.response as object | undefined) };
  return {
    config: { scope, liveView },
    schema: { ...rest, response, tags: [tag], summary, description: `Needs an API key with scope \`${scope}\` (or \`admin\`).`, security: [{ apiKey: [] }] } as Omit<S, 'errors'> & {
      tags: string[];
      summary: string;
      description: string;
      security: Array<{ apiKey: never[] }>;
    },
  };
}
