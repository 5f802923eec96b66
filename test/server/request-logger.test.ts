import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { lazyChildLoggerFactory } from '../../src/server/request-logger.js';
import { createLogger, type Logger } from '../../src/shared/logger.js';

/** A Fastify app logging through the project's pino logger at `level`, the lines it writes, and how many children pino made. */
function appAt(level: string) {
  const lines: string[] = [];
  const logger: Logger = createLogger(level, { write: (line: string) => void lines.push(line) });
  const made = { children: 0 };
  const child = logger.child.bind(logger);
  logger.child = ((...args: Parameters<Logger['child']>) => {
    made.children++;
    return child(...args);
  }) as Logger['child'];
  const app = Fastify({ loggerInstance: logger, childLoggerFactory: lazyChildLoggerFactory });
  app.get('/customer', (request) => {
    request.log.warn({ customer: { id: 'C001', email: 'ada@example.com' } }, 'looked up');
    return { ok: true };
  });
  app.get('/quiet', () => ({ ok: true }));
  return { app, lines: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>), made };
}

let close: (() => Promise<unknown>) | undefined;
afterEach(async () => close?.());

describe('request logger', () => {
  it("writes each request's lines with its request id, personal data redacted, as pino's own child does", async () => {
    const { app, lines } = appAt('info');
    close = () => app.close();
    await app.inject({ url: '/customer' });
    const written = lines();
    expect(written.map((l) => l.msg)).toEqual(['incoming request', 'looked up', 'request completed']);
    expect(new Set(written.map((l) => l.reqId)).size).toBe(1);
    expect(written[1]!.customer).toEqual({ id: 'C001', email: '[redacted]' });
    expect(JSON.stringify(written)).not.toContain('ada@example.com');
  });

  it('makes no child for a request that writes no line at the level set', async () => {
    const { app, lines, made } = appAt('warn');
    close = () => app.close();
    // Fastify makes its own children of the logger while starting; counted from the first request on.
    await app.ready();
    made.children = 0;
    for (let i = 0; i < 3; i++) await app.inject({ url: '/quiet' });
    expect(lines()).toEqual([]);
    expect(made.children).toBe(0);
    await app.inject({ url: '/customer' });
    expect(made.children).toBe(1);
    expect(lines().map((l) => [l.msg, l.customer])).toEqual([['looked up', { id: 'C001', email: '[redacted]' }]]);
    expect(lines()[0]!.reqId).toBeDefined();
  });
});
