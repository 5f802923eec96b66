import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z, ZodError } from 'zod';
import { invalidInput, SegmintError } from '../shared/errors.js';

/** A missing, malformed or unknown API key. */
export class UnauthorizedError extends SegmintError {
  constructor(message: string) {
    super('unauthorized', message);
  }
}

/** A valid key whose scopes do not cover the route. */
export class ForbiddenError extends SegmintError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('forbidden', message, details);
  }
}

/** A request body that is not JSON; `details` says where it breaks. */
export class MalformedJsonError extends SegmintError {
  constructor(message: string, details: { offset: number; line: number; column: number }) {
    super('invalid_json', message, details);
  }
}

/** Too many requests from one key in the current window; the response carries Retry-After. */
export class RateLimitedError extends SegmintError {
  constructor(message: string, details: Record<string, unknown>) {
    super('rate_limited', message, details);
  }
}

const STATUS_BY_CODE: Record<string, number> = {
  invalid_input: 400,
  invalid_json: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  no_model: 409,
  conflict: 409,
  payload_too_large: 413,
  import_failed: 422,
  rate_limited: 429,
};

/** Every failed request, whatever its status, answers this; documented once, as the `Error` component. */
const errorBodySchema = z
  .object({
    error: z.object({
      code: z.string().describe('stable, for programs: invalid_input, invalid_json, unauthorized, forbidden, not_found, no_model, conflict, payload_too_large, import_failed, rate_limited, internal, ...'),
      message: z.string().describe('one line, for people: what went wrong and where'),
      details: z.record(z.string(), z.unknown()).describe('what the code needs to be acted on: the issues with their paths, the position in the JSON, the scope needed, ...'),
    }),
  })
  .meta({ id: 'Error' });
type ErrorBody = z.infer<typeof errorBodySchema>;

/** What every /v1 route may answer besides its own: bad input, no or a wrong key, a missing scope, too many requests, a fault. */
export const COMMON_ERROR_STATUSES = [400, 401, 403, 429, 500] as const;
/** And a route that reads a body: one over the size limit, or of a type it does not read. */
export const BODY_ERROR_STATUSES = [413, 415] as const;
/** And a route whose path names a resource: one that does not exist (or lives in another workspace). */
export const PARAMS_ERROR_STATUSES = [404] as const;

/** Response schemas for error statuses, to spread into a route's `response` next to its success schema. */
export function errorResponses(...statuses: number[]): Record<number, typeof errorBodySchema> {
  return Object.fromEntries(statuses.map((s) => [s, errorBodySchema]));
}

function body(code: string, message: string, details: Record<string, unknown> = {}): ErrorBody {
  return { error: { code, message, details } };
}

/** Fastify's own client errors (wrong content type, empty JSON body, ...) keep their status under a stable code. */
function fastifyClientError(err: FastifyError): { status: number; body: ErrorBody } | undefined {
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return { status: 413, body: body('payload_too_large', 'request body is larger than the server accepts') };
  const status = err.statusCode ?? 500;
  if (status < 400 || status >= 500) return undefined;
  return { status, body: body(status === 415 ? 'unsupported_media_type' : 'bad_request', err.message) };
}

/**
 * Maps every error to `{error: {code, message, details}}`. Expected failures (SegmintError, validation) say what
 * went wrong; anything else is a 500 whose message and stack stay in the server log, never in the response.
 */
export function toErrorResponse(err: unknown): { status: number; body: ErrorBody } {
  if (err instanceof SegmintError) {
    // A typed failure with a code we do not map is still a client-facing one: its message was written for users.
    return { status: STATUS_BY_CODE[err.code] ?? 400, body: body(err.code, err.message, err.details) };
  }
  if (err instanceof ZodError) return toErrorResponse(invalidInput(err.issues, 'input'));
  if (typeof err === 'object' && err !== null && hasZodFastifySchemaValidationErrors(err)) {
    const where = err.validationContext ?? 'request';
    const issues = err.validation.map((v) => ({ path: `${where}${v.instancePath.replaceAll('/', '.')}`, message: v.message ?? 'invalid' }));
    return { status: 400, body: body('invalid_input', issues.map((i) => `${i.path}: ${i.message}`).join('; '), { issues }) };
  }
  if (err instanceof Error && 'code' in err && typeof err.code === 'string' && err.code.startsWith('FST_')) {
    const mapped = fastifyClientError(err as FastifyError);
    if (mapped) return mapped;
  }
  return { status: 500, body: body('internal', 'internal server error') };
}

export function errorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { status, body: payload } = toErrorResponse(err);
  if (status >= 500) request.log.error({ err }, 'request failed');
  return reply.status(status).send(payload);
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return reply.status(404).send(body('not_found', `no route ${request.method} ${request.url.split('?')[0]}`));
}
