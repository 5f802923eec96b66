import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interpret } from '../../src/behaviors/words/index.js';
import { generateDemo, importDemoFiles } from '../../src/demo/index.js';
import type { LlmConfig } from '../../src/shared/config.js';
import { loadConfig } from '../../src/shared/config.js';
import { sql } from '../../src/sql/index.js';
import type { Store } from '../../src/store/index.js';
import { memoryStore, tempDir } from '../helpers.js';

/**
 * The optional LLM through a real HTTP server speaking the chat-completions format: a good answer is used after the
 * checker accepts it; a slow, malformed, failing or invalid one falls back to the embedded reading, saying why.
 */
const TEXT = 'premium sneaker buyers who have not bought in 60 days';
const EMBEDDED = 'count(order where tag = "premium" and category = "sneakers") >= 1 and recency_days > 60';

type Behaviour = (res: ServerResponse) => void;
const answer = (content: unknown): Behaviour => (res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] }));
};
const BEHAVIOURS: Record<string, Behaviour> = {
  good: answer(JSON.stringify({ spec: 'count(order where category = "sneakers" and tag = "premium") >= 1 and recency_days >= 60', explanation: 'premium sneakers, nothing for 60 days' })),
  // Never answers: only the client's own time limit ends the request, however loaded the machine.
  slow: () => undefined,
  'not-json': answer('Sure! Here is your segment: orders >= 1'),
  'wrong-shape': answer(JSON.stringify({ rule: 'orders >= 1' })),
  'invalid-spec': answer(JSON.stringify({ spec: 'lifetime_spend > 100', explanation: 'a field that does not exist' })),
  'no-content': (res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"choices": []}');
  },
  failing: (res) => {
    res.writeHead(503);
    res.end('overloaded');
  },
};

let server: Server;
let base: string;
const requests: Array<{ path: string; auth: string | undefined; body: Record<string, unknown>; raw: string }> = [];
const dir = tempDir();
let store: Store;

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', auth: req.headers.authorization, body: JSON.parse(raw) as Record<string, unknown>, raw });
      const behaviour = BEHAVIOURS[(req.url ?? '').split('/')[1] ?? ''];
      if (behaviour) behaviour(res);
      else res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  store = await memoryStore();
  await importDemoFiles(store, await generateDemo({ customers: 200, seed: 4, outDir: dir.path }));
}, 120_000);

afterAll(async () => {
  store.close();
  dir.cleanup();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

// A limit no answer of this local server comes near, however loaded the machine, but for the one that never answers.
const llm = (behaviour: string, timeoutMs = 60_000): LlmConfig => ({ url: `${base}/${behaviour}/v1`, model: 'test-model', key: 'sk-test', timeoutMs });

describe('the optional LLM endpoint', () => {
  it('reads its configuration from the environment, and only when both URL and model are set', () => {
    expect(loadConfig({ SEGMINT_LLM_URL: 'http://localhost:1/v1' }).llm).toBeUndefined();
    expect(loadConfig({ SEGMINT_LLM_URL: 'http://localhost:1/v1', SEGMINT_LLM_MODEL: 'm', SEGMINT_LLM_KEY: 'k' }).llm).toEqual({
      url: 'http://localhost:1/v1',
      model: 'm',
      key: 'k',
      timeoutMs: 8000,
    });
    expect(() => loadConfig({ SEGMINT_LLM_URL: 'not a url' })).toThrow(/SEGMINT_LLM_URL/);
  });

  it('uses a good answer once the checker accepts it, in canonical form, and sends a JSON-schema-constrained request', async () => {
    requests.length = 0;
    const { spec, reading } = await interpret(store, TEXT, { llm: llm('good') });
    expect(spec).toBe('count(order where category = "sneakers" and tag = "premium") >= 1 and recency_days >= 60');
    expect(reading.source).toBe('llm');
    expect(reading.llm_fallback).toBeNull();
    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request!.path).toBe('/good/v1/chat/completions');
    expect(request!.auth).toBe('Bearer sk-test');
    expect(request!.body.model).toBe('test-model');
    expect(request!.body.response_format).toMatchObject({ type: 'json_schema', json_schema: { strict: true, schema: { required: ['spec', 'explanation'] } } });
    const messages = request!.body.messages as Array<{ role: string; content: string }>;
    expect(messages.at(-1)).toEqual({ role: 'user', content: TEXT });
    expect(messages[0]!.content).toContain('sneakers');
  });

  it('sends nothing personal: no customer id, email, phone or order of the store', async () => {
    requests.length = 0;
    await interpret(store, TEXT, { llm: llm('good') });
    const raw = requests[0]!.raw;
    const people = await store.all<{ id: string; email: string | null; phone: string | null }>(sql`SELECT id, email, phone FROM customers`);
    for (const p of people) {
      for (const v of [p.id, p.email, p.phone]) if (v) expect(raw.includes(JSON.stringify(v).slice(1, -1)), v).toBe(false);
    }
    const orders = await store.all<{ id: string }>(sql`SELECT DISTINCT order_id AS id FROM events WHERE order_id IS NOT NULL LIMIT 500`);
    for (const o of orders) expect(raw.includes(o.id), o.id).toBe(false);
  });

  it.each([
    ['slow', /did not answer within 300 ms/],
    ['not-json', /not JSON/],
    ['wrong-shape', /does not match the schema/],
    ['invalid-spec', /not a valid rule: unknown feature "lifetime_spend"/],
    ['no-content', /no message content/],
    ['failing', /HTTP 503/],
    ['nowhere', /HTTP 404/],
  ])('falls back to the embedded reading on a %s answer, saying why', async (behaviour, why) => {
    const { spec, reading } = await interpret(store, TEXT, { llm: llm(behaviour, behaviour === 'slow' ? 300 : undefined) });
    expect(spec).toBe(EMBEDDED);
    expect(reading.source).toBe('embedded');
    expect(reading.llm_fallback).toMatch(why);
    expect(reading.llm_fallback).toMatch(/the embedded reading is used$/);
  });

  it('falls back when the endpoint cannot be reached at all', async () => {
    const { spec, reading } = await interpret(store, TEXT, { llm: { url: 'http://127.0.0.1:9/v1', model: 'm', key: undefined, timeoutMs: 2000 } });
    expect(spec).toBe(EMBEDDED);
    expect(reading.llm_fallback).toMatch(/could not be reached/);
  });

  it('keeps "could not understand" for nonsense when the LLM fails too', async () => {
    await expect(interpret(store, 'blorp glarg', { llm: llm('failing') })).rejects.toThrow(/^could not understand.*"blorp", "glarg"/);
  });
});
