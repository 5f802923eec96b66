import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A CRM endpoint for the tests: it verifies each request by its own reading of the Standard Webhooks convention
 * (written here, not imported from src), applies a delivery only the first time it sees its webhook-id, and answers
 * as a script says, so it can fail on purpose.
 */

/** What the receiver does with the next request: answer with a status (and Retry-After), or apply and answer too late. */
export type Behavior = { status: number; retryAfter?: string } | { hang: number };

/** Verifies `webhook-signature` against one secret: HMAC-SHA256 keyed by the base64 after `whsec_`, over id.timestamp.body. */
export function verifies(headers: IncomingHttpHeaders, body: string, secret: string): boolean {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signatures !== 'string') return false;
  if (!/^\d+$/.test(timestamp)) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  return signatures.split(' ').some((entry) => {
    const [version, value] = entry.split(',');
    if (version !== 'v1' || value === undefined) return false;
    const given = Buffer.from(value, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

export interface Received {
  id: string;
  timestamp: number;
  signatures: number;
  body: { type: string; timestamp: string; data: { audience: { id: string }; members: Array<{ customer_id: string; email: string | null }> } };
  verified: boolean;
}

export class Receiver {
  readonly received: Received[] = [];
  /** Deliveries applied, by webhook-id: each once. */
  readonly applied = new Map<string, Received>();
  duplicatesDropped = 0;
  script: Behavior[] = [];
  /** The behavior once the script is used up. */
  fallback: Behavior = { status: 200 };
  private constructor(
    private readonly server: Server,
    readonly url: string,
    /** The secrets a request may be signed with; a request that matches none is refused with 401. */
    public secrets: string[],
  ) {}

  static async start(secrets: string[] = []): Promise<Receiver> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const self = new Receiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, secrets);
    server.on('request', (req, res) => {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (text += c));
      req.on('end', () => self.handle(req.headers, text, res));
    });
    return self;
  }

  private handle(headers: IncomingHttpHeaders, text: string, res: import('node:http').ServerResponse): void {
    const verified = this.secrets.some((s) => verifies(headers, text, s));
    const got: Received = {
      id: String(headers['webhook-id']),
      timestamp: Number(headers['webhook-timestamp']),
      signatures: String(headers['webhook-signature'] ?? '').split(' ').length,
      body: JSON.parse(text) as Received['body'],
      verified,
    };
    this.received.push(got);
    if (!verified) {
      res.writeHead(401).end();
      return;
    }
    const behavior = this.script.shift() ?? this.fallback;
    const apply = () => {
      if (this.applied.has(got.id)) this.duplicatesDropped++;
      else this.applied.set(got.id, got);
    };
    if ('hang' in behavior) {
      // Applied, but answered after the sender gave up: the sender must retry, and the retry is a duplicate.
      apply();
      setTimeout(() => res.writeHead(200).end(), behavior.hang).unref();
      return;
    }
    if (behavior.status >= 200 && behavior.status < 300) apply();
    res.writeHead(behavior.status, behavior.retryAfter ? { 'retry-after': behavior.retryAfter } : {}).end();
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
