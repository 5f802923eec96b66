import { z } from 'zod';
import { UsageError } from './errors.js';
import { MEMORY_FORMAT, memoryBudget, parseMemory, type MemoryBudget } from './memory.js';

/** Listings flag audiences with fewer members than this unless SEGMINT_MIN_AUDIENCE_SIZE says otherwise. */
export const DEFAULT_MIN_AUDIENCE_SIZE = 50;

/**
 * Which addresses webhook URLs may reach (src/activation/webhooks/address.ts): `public` only (the default), also
 * `loopback` (this machine), or every `private` address too.
 */
const WEBHOOK_ADDRESS_POLICIES = ['public', 'loopback', 'private'] as const;
export type WebhookAddressPolicy = (typeof WEBHOOK_ADDRESS_POLICIES)[number];

/** Every setting Segmint reads from the environment, parsed once at startup and passed down. */
const envSchema = z.object({
  SEGMINT_DB: z.string().min(1).default('./segmint.duckdb'),
  SEGMINT_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn'),
  /** The process's memory, e.g. "2GB" (src/shared/memory.ts splits it); DuckDB spills to disk past its share. */
  SEGMINT_MEMORY_LIMIT: z
    .string()
    .transform((text, ctx) => parseMemory(text) ?? (ctx.addIssue({ code: 'custom', message: `"${text}" is not ${MEMORY_FORMAT}` }), z.NEVER))
    .optional(),
  SEGMINT_THREADS: z.coerce.number().int().positive().optional(),
  /** Audiences with fewer members are flagged in listings. */
  SEGMINT_MIN_AUDIENCE_SIZE: z.coerce.number().int().nonnegative().default(DEFAULT_MIN_AUDIENCE_SIZE),
  /** An optional OpenAI-compatible chat endpoint (base URL, e.g. http://localhost:11434/v1) and model; no key needed locally. */
  SEGMINT_LLM_URL: z.url().optional(),
  SEGMINT_LLM_MODEL: z.string().optional(),
  SEGMINT_LLM_KEY: z.string().optional(),
  /** How long an LLM answer may take before the embedded default is used instead. */
  SEGMINT_LLM_TIMEOUT_MS: z.coerce.number().int().positive().default(8000),
  SEGMINT_WEBHOOK_ADDRESSES: z.enum(WEBHOOK_ADDRESS_POLICIES).default('public'),
});

/** The optional LLM endpoint; absent unless both its URL and model are set. */
export interface LlmConfig {
  url: string;
  model: string;
  key: string | undefined;
  timeoutMs: number;
}

export type Config = {
  dbPath: string;
  logLevel: z.infer<typeof envSchema>['SEGMINT_LOG_LEVEL'];
  memory: MemoryBudget;
  threads: number | undefined;
  minAudienceSize: number;
  llm: LlmConfig | undefined;
  webhookAddresses: WebhookAddressPolicy;
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable counts as unset, as shells make it easy to export one by accident.
  const set = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('SEGMINT_') && v !== ''));
  const parsed = envSchema.safeParse(set);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`invalid environment: ${issue?.path.join('.')}: ${issue?.message}`, { variable: issue?.path.join('.') });
  }
  const e = parsed.data;
  return {
    dbPath: e.SEGMINT_DB,
    logLevel: e.SEGMINT_LOG_LEVEL,
    memory: memoryBudget(e.SEGMINT_MEMORY_LIMIT),
    threads: e.SEGMINT_THREADS,
    minAudienceSize: e.SEGMINT_MIN_AUDIENCE_SIZE,
    llm: e.SEGMINT_LLM_URL && e.SEGMINT_LLM_MODEL ? { url: e.SEGMINT_LLM_URL, model: e.SEGMINT_LLM_MODEL, key: e.SEGMINT_LLM_KEY, timeoutMs: e.SEGMINT_LLM_TIMEOUT_MS } : undefined,
    webhookAddresses: e.SEGMINT_WEBHOOK_ADDRESSES,
  };
}
