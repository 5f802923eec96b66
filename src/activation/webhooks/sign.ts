import { createHmac, randomBytes } from 'node:crypto';

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): a secret is `whsec_` + base64 of its key bytes; a
 * delivery carries `webhook-id`, `webhook-timestamp` (Unix seconds of the attempt) and `webhook-signature`, each
 * signature `v1,` + base64 HMAC-SHA256 of `id.timestamp.body` under one key, space-separated when several keys sign
 * (a rotated secret during its grace period).
 */
const PREFIX = 'whsec_';

/** A new secret: 32 random bytes, within the 24 to 64 the convention asks for. */
export function newSecret(): string {
  return PREFIX + randomBytes(32).toString('base64');
}

function signOne(secret: string, content: string): string {
  const key = Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
  return `v1,${createHmac('sha256', key).update(content).digest('base64')}`;
}

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** The three headers of one attempt, signed by every secret given (the current one first). */
export function signedHeaders(id: string, timestampSeconds: number, body: string, secrets: readonly string[]): SignedHeaders {
  const timestamp = String(timestampSeconds);
  const content = `${id}.${timestamp}.${body}`;
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': secrets.map((s) => signOne(s, content)).join(' ') };
}
