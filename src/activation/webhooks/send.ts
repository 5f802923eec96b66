import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { guardedLookup, parseWebhookUrl, refusal, type AddressPolicy } from './address.js';

/** One attempt as the deliverer makes it. */
export interface Attempt {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  policy: AddressPolicy;
}

/** The receiver's answer: its status and, for a 429, its Retry-After header. */
export interface AttemptResult {
  status: number;
  retryAfter: string | undefined;
}

export type Sender = (attempt: Attempt) => Promise<AttemptResult>;

/**
 * POSTs one delivery with node:http(s), whose `lookup` lets the address connected to be checked (guardedLookup); an
 * address in the URL itself is checked here, as no lookup happens for it. The receiver's body is read and dropped:
 * it is never stored, as it may echo the members back.
 */
export const httpSend: Sender = (attempt) =>
  new Promise((resolve, reject) => {
    const url = parseWebhookUrl(attempt.url);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const why = isIP(host) ? refusal(host, attempt.policy) : undefined;
    if (why) return reject(new Error(`refused: ${why}`));
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, {
      method: 'POST',
      headers: { ...attempt.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(attempt.body) },
      lookup: guardedLookup(attempt.policy),
      timeout: attempt.timeoutMs,
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${attempt.timeoutMs} ms`)));
    req.on('error', reject);
    req.on('response', (res: IncomingMessage) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] }));
      res.on('error', reject);
    });
    req.end(attempt.body);
  });
