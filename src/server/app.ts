import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { DEFAULT_MIN_AUDIENCE_SIZE, type LlmConfig } from '../shared/config.js';
import { errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { registerAuth } from './auth.js';
import { DEFAULT_WEB_ROOT, registerDashboard } from './dashboard.js';
import { errorHandler, RateLimitedError } from './errors.js';
import { registerJsonParser } from './json-body.js';
import { lazyChildLoggerFactory } from './request-logger.js';
import { precheckingValidatorCompiler } from './query-precheck.js';
import { responseSerializerCompiler } from './response-serializer.js';
import { registerAnalysisRoutes } from './routes/analysis.js';
import { registerAudienceRoutes } from './routes/audiences.js';
import { registerCampaignRoutes } from './routes/campaigns.js';
import { registerStorefrontRoutes } from './routes/storefront.js';
import { CampaignDeciders } from './campaign-deciders.js';
import { DEFAULT_SNIPPET_PATH, registerStorefrontAssets } from './storefront-assets.js';
import { registerClusterRoutes } from './routes/clusters.js';
import { registerClvRoutes } from './routes/clv.js';
import type { RouteContext } from './routes/context.js';
import { registerCustomerRoutes } from './routes/customers.js';
import { registerEventRoutes } from './routes/events.js';
import { registerExportRoutes } from './routes/exports.js';
import { DEFAULT_IMPORT_BODY_LIMIT } from './defaults.js';
import { registerImportRoutes } from './routes/imports.js';
import { registerKeyRoutes } from './routes/keys.js';
import { registerPrivacyRoutes } from './routes/privacy.js';
import { registerProfileJobRoutes } from './routes/profile-jobs.js';
import { registerProfileRoutes } from './routes/profiles.js';
import { registerRuleRoutes } from './routes/rules.js';
import { registerCustomBehaviorRoutes } from './routes/custom-behaviors.js';
import { registerRunRoutes } from './routes/runs.js';
import { registerStatsRoutes } from './routes/stats.js';
import { registerWebhookRoutes } from './routes/webhooks.js';
import { WebhookWorker, type DeliverOptions } from '../activation/webhooks/index.js';
import type { WebhookAddressPolicy } from '../shared/config.js';
import type { Workspaces } from './workspaces.js';

/** 1 MiB: far above any audience or run request, small enough that one client cannot tie up memory. */
const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** Per API key: 60,000 requests a minute (1,000/s on average), well above a storefront's steady use. */
const DEFAULT_RATE_LIMIT = { max: 60_000, windowMs: 60_000 };
/** A request still unanswered after this long is cut off, so a stuck client cannot hold a connection forever. */
const DEFAULT_REQUEST_TIMEOUT_MS = 120_000;

export interface ServerOptions {
  workspaces: Workspaces;
  /** Without one, the server logs nothing. */
  logger?: Logger;
  bodyLimit?: number;
  /** Largest file POST /v1/imports accepts, in bytes (default DEFAULT_IMPORT_BODY_LIMIT, 1 GiB). */
  importBodyLimit?: number;
  rateLimit?: { max: number; windowMs: number };
  requestTimeoutMs?: number;
  version?: string;
  /** Listings flag audiences with fewer members (default DEFAULT_MIN_AUDIENCE_SIZE, as SEGMINT_MIN_AUDIENCE_SIZE). */
  minAudienceSize?: number;
  /** The optional OpenAI-compatible endpoint (SEGMINT_LLM_*); default none. */
  llm?: LlmConfig;
  /** The built dashboard served at `/` (default DEFAULT_WEB_ROOT, `dist/web`); null serves none. */
  webRoot?: string | null;
  /** The built storefront snippet served at /snippet.js (default DEFAULT_SNIPPET_PATH); null serves none. */
  snippetPath?: string | null;
  /** Serve the sample storefront at /storefront/demo with this storefront key (and decide budget), as `segmint demo` does. */
  storefrontDemo?: { key: string; timeoutMs?: number };
  /**
   * Check every answer against its zod schema before sending it, also on the hot routes whose answers are written by
   * a precompiled stringify (response-serializer.ts). Default true; `segmint serve` turns it off.
   */
  checkResponses?: boolean;
  /** Webhook URLs and deliveries: the addresses allowed (default `public`) and the worker's settings. */
  webhooks?: { addresses?: WebhookAddressPolicy; intervalMs?: number } & Partial<Omit<DeliverOptions, 'policy'>>;
}

/** The API as a Fastify app, ready to `listen` or `inject`; the caller owns `workspaces` and closes them. */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  // Typed as Fastify's base logger so the app has the one instance type the route modules are written against.
  const loggerInstance: FastifyBaseLogger | undefined = options.logger;
  const app = Fastify({
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    requestTimeout: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    ...(loggerInstance ? { loggerInstance, childLoggerFactory: lazyChildLoggerFactory } : { logger: false }),
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(precheckingValidatorCompiler);
  // Answers are written as the CLI writes its --json, dates included.
  app.setSerializerCompiler(responseSerializerCompiler(options.checkResponses ?? true));
  app.setErrorHandler(errorHandler);
  registerJsonParser(app);

  // The OpenAPI document is generated from the same zod schemas that validate requests and serialize responses;
  // schemas given an id (`.meta({ id })`) are components, referenced wherever they appear.
  await app.register(swagger, {
    openapi: {
      info: { title: 'Segmint API', version: options.version ?? '0.1.0', description: 'Audiences, features and runs of one workspace per API key.' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key from `segmint keys create`' } } },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  registerAuth(app, options.workspaces.control);
  const limit = options.rateLimit ?? DEFAULT_RATE_LIMIT;
  // Only /v1 is counted. Decided per route as it is added, rather than by an `allowList` asked (and awaited, with a
  // copy of the route's options) on every request.
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/v1/')) route.config = { ...route.config, rateLimit: false };
  });
  // Counted per API key after authentication (preHandler), so one client's burst never slows another's.
  await app.register(rateLimit, {
    hook: 'preHandler',
    max: limit.max,
    timeWindow: limit.windowMs,
    // A storefront key is shared by every visitor of a shop: counted per visitor's address, so one cannot use up the shop's.
    keyGenerator: (request) => (request.apiKey ? (request.apiKey.origins.length ? `${request.apiKey.id}:${request.ip}` : request.apiKey.id) : request.ip),
    errorResponseBuilder: (_request, context) =>
      new RateLimitedError(`more than ${context.max} requests in ${context.after}; retry after ${Math.ceil(context.ttl / 1000)} s`, {
        limit: context.max,
        retry_after_seconds: Math.ceil(context.ttl / 1000),
      }),
  });

  const ctx: RouteContext = {
    workspaces: options.workspaces,
    minAudienceSize: options.minAudienceSize ?? DEFAULT_MIN_AUDIENCE_SIZE,
    llm: options.llm,
    campaigns: new CampaignDeciders(options.workspaces),
    webhookAddresses: options.webhooks?.addresses ?? 'public',
  };
  app.addHook('onClose', () => ctx.campaigns.close());
  registerStatsRoutes(app, ctx);
  registerEventRoutes(app, ctx);
  registerCustomerRoutes(app, ctx);
  registerPrivacyRoutes(app, ctx);
  registerAudienceRoutes(app, ctx);
  registerExportRoutes(app, ctx);
  registerRunRoutes(app, ctx);
  registerRuleRoutes(app, ctx);
  registerCustomBehaviorRoutes(app, ctx);
  registerAnalysisRoutes(app, ctx);
  registerClusterRoutes(app, ctx);
  registerKeyRoutes(app, ctx);
  registerImportRoutes(app, ctx, { bodyLimit: options.importBodyLimit ?? DEFAULT_IMPORT_BODY_LIMIT });
  registerClvRoutes(app, ctx);
  registerProfileRoutes(app, ctx);
  registerProfileJobRoutes(app, ctx);
  registerCampaignRoutes(app, ctx);
  registerStorefrontRoutes(app, ctx);
  registerWebhookRoutes(app, ctx);

  registerStorefrontAssets(app, options.snippetPath === undefined ? DEFAULT_SNIPPET_PATH : options.snippetPath, options.storefrontDemo);

  // Deliveries are made in this process, a pass per interval over the open workspaces, and stop with the server.
  const worker = new WebhookWorker(options.workspaces, { ...options.webhooks, policy: ctx.webhookAddresses, onError: (err) => app.log.error({ msg: `webhook delivery pass failed: ${errorMessage(err)}` }) });
  worker.start();
  app.addHook('onClose', () => worker.stop());

  for (const url of ['/docs', '/docs/json']) app.get(url, { schema: { hide: true } }, () => app.swagger());
  await registerDashboard(app, options.webRoot === undefined ? DEFAULT_WEB_ROOT : options.webRoot);
  return app;
}
