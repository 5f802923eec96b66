import type { z } from 'zod';
import type { LlmConfig } from './config.js';
import { errorMessage } from './errors.js';

/*
 * The optional OpenAI-compatible chat endpoint (DESIGN.md "AI without a network"), as every feature that may use it
 * asks it: one chat-completions request whose answer is constrained by a JSON schema (`response_format` json_schema,
 * strict), within the configured time. What the answer means is for the caller to check; any failure here comes back
 * as a one-line reason, so the caller can fall back to its embedded default and say why. The reasons never quote
 * the request or the answer, which may hold what the caller sent.
 */

interface JsonChatRequest {
  /** The schema's name, as the endpoint reports it ([a-zA-Z0-9_-]). */
  name: string;
  /** A JSON schema in the strict subset: every property required, no additional properties. */
  schema: Record<string, unknown>;
  system: string;
  user: string;
}

type JsonChatAnswer = { json: unknown } | { failed: string };

/** The chat-completions URL of a base URL (`http://localhost:11434/v1`), or the URL itself when it is one. */
function endpointOf(url: string): string {
  const base = url.replace(/\/+$/, '');
  return base.endsWith('/chat/completions') ? base : `${base}/chat/completions`;
}

export async function askJson(config: LlmConfig, request: JsonChatRequest): Promise<JsonChatAnswer> {
  // The whole exchange, answer body included, is bounded: a server that sends headers and then stalls is cut off too.
  const signal = AbortSignal.timeout(config.timeoutMs);
  try {
    const response = await fetch(endpointOf(config.url), {
      method: 'POST',
      signal,
      headers: { 'content-type': 'application/json', ...(config.key ? { authorization: `Bearer ${config.key}` } : {}) },
      body: JSON.stringify({
        model: config.model,
        temperature: 0,
        response_format: { type: 'json_schema', json_schema: { name: request.name, strict: true, schema: request.schema } },
        messages: [
          { role: 'system', content: request.system },
          { role: 'user', content: request.user },
        ],
      }),
    });
    if (!response.ok) {
      await response.body?.cancel();
      return { failed: `the LLM endpoint answered HTTP ${response.status}` };
    }
    const body = (await response.json()) as { choices?: Array<{ message?: { content?: unknown } }> };
    const content = body.choices?.[0]?.message?.content;
    if (typeof content !== 'string') return { failed: 'the LLM answer has no message content' };
    try {
      return { json: JSON.parse(content) };
    } catch {
      return { failed: 'the LLM answer is not JSON' };
    }
  } catch (err) {
    return { failed: signal.aborted ? `the LLM endpoint did not answer within ${config.timeoutMs} ms` : `the LLM endpoint could not be reached: ${errorMessage(err)}` };
  }
}

/** An answer read by the caller's zod schema, or the first thing wrong with it, by its path. */
export function answerAs<T>(schema: z.ZodType<T>, json: unknown): { value: T } | { failed: string } {
  const parsed = schema.safeParse(json);
  if (parsed.success) return { value: parsed.data };
  const issue = parsed.error.issues[0];
  return { failed: `the LLM answer does not match the schema: ${issue?.path.join('.') || 'root'}: ${issue?.message ?? ''}` };
}
