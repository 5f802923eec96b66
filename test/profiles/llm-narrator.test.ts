import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo, importDemoFiles } from '../../src/demo/index.js';
import { runPipeline } from '../../src/pipeline/index.js';
import { checkEvidence, makeProfile, profileSchema, type Profile } from '../../src/profiles/index.js';
import { createKey, Workspaces } from '../../src/server/index.js';
import type { LlmConfig } from '../../src/shared/config.js';
import { sql } from '../../src/sql/index.js';
import { tempDir } from '../helpers.js';
import { request, serveForTest, stopServer } from '../server/harness.js';

/**
 * The LLM narrator through a real HTTP server speaking the chat-completions format. A good answer (each draft
 * statement rewritten, citing facts, the looks' products chosen from those offered) is used; a malformed,
 * schema-breaking, ungrounded, slow or failing one is rejected and the embedded narrator's text kept, with the
 * reason in `generator.note`. What is sent holds no personal field of the customer.
 */
const RUN = '2026-11-01 00:00:00';
const PERSON = { email: 'ottoline.vasquez@example.org', phone: '+31612345678', first_name: 'Ottoline', last_name: 'Vasquez-Brindle' };

interface Sent {
  facts: Array<{ id: string }>;
  occasions: Array<{ occasion: string; products: Array<{ product_id: string; slot: string }> }>;
  draft: Record<string, unknown> & {
    occasions: Array<{ occasion: string; persona_on_occasion: string }>;
    marketing_brief: Record<string, string[]>;
    content_hooks: string[];
    current_purchase_moment: { moment_summary: string; relationship_with_history: string; opportunities: string[] };
  };
}

/** The answer a well-behaved endpoint gives: the draft's statements rewritten, each citing every fact. */
function goodAnswer(sent: Sent) {
  const all = sent.facts.map((f) => f.id);
  const s = (text: string) => ({ text: `In short: ${text}`, facts: all });
  const d = sent.draft;
  const m = d.current_purchase_moment;
  return {
    general_description: s(d.general_description as string),
    general_style: s(d.general_style as string),
    occasions: Object.fromEntries(
      sent.occasions.map((o, i) => [o.occasion, { occasion: s(d.occasions[i]!.occasion), persona_on_occasion: s(d.occasions[i]!.persona_on_occasion), look: o.products.map((p) => p.product_id).reverse() }]),
    ),
    marketing_brief: Object.fromEntries(Object.entries(d.marketing_brief).map(([k, v]) => [k, v.map(s)])),
    content_hooks: d.content_hooks.map(s),
    current_purchase_moment: { moment_summary: s(m.moment_summary), relationship_with_history: s(m.relationship_with_history), opportunities: m.opportunities.map(s) },
  };
}

type Answer = ReturnType<typeof goodAnswer>;
const chat = (res: ServerResponse, content: unknown) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] }));
};
const answering = (change: (a: Answer) => unknown) => (sent: Sent, res: ServerResponse) => chat(res, JSON.stringify(change(goodAnswer(sent))));
let notOffered = '';

const BEHAVIOURS: Record<string, (sent: Sent, res: ServerResponse) => void> = {
  good: answering((a) => a),
  'not-json': (_sent, res) => chat(res, 'Here is the profile you asked for: a stylish customer.'),
  'schema-breaking': answering(({ general_style: _, ...a }) => ({ ...a, content_hooks: 'hooks' })),
  'empty-text': answering((a) => ({ ...a, general_description: { ...a.general_description, text: '' } })),
  'not-offered': answering((a) => {
    const [first] = Object.values(a.occasions);
    first!.look = [...first!.look.slice(1), notOffered];
    return a;
  }),
  'slot-twice': answering((a) => {
    const [first] = Object.values(a.occasions);
    first!.look = [first!.look[0]!, first!.look[0]!];
    return a;
  }),
  'wrong-number': answering((a) => ({ ...a, general_style: { text: 'Has spent 12345 on knitwear alone', facts: ['history.orders'] } })),
  'unknown-fact': answering((a) => ({ ...a, content_hooks: [{ text: 'Loves the brand', facts: ['customer.email'] }] })),
  slow: (sent, res) => setTimeout(() => answering((a) => a)(sent, res), 2_000),
  failing: (_sent, res) => res.writeHead(500).end('internal error'),
  busy: (_sent, res) => res.writeHead(429, { 'retry-after': '1' }).end('slow down'),
};

let server: Server;
let llmBase = '';
/** Each request, and whether the client hung up on it before it was answered (known once its connection closes). */
const received: Array<{ path: string; raw: string; hungUp: Promise<boolean> }> = [];
const dir = tempDir();
let workspaces: Workspaces;
let app: FastifyInstance;
let base = '';
let key = '';
/** A buyer with several occasions, given a name in the shop's attributes. */
let rich = '';

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      received.push({ path: req.url ?? '', raw, hungUp: new Promise((resolve) => res.on('close', () => resolve(!res.writableEnded))) });
      const body = JSON.parse(raw) as { messages: Array<{ content: string }> };
      const behaviour = BEHAVIOURS[(req.url ?? '').split('/')[1] ?? ''];
      if (behaviour) behaviour(JSON.parse(body.messages[1]!.content) as Sent, res);
      else res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  llmBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const files = await generateDemo({ customers: 300, seed: 8, outDir: join(dir.path, 'demo') });
  workspaces = await Workspaces.open({ dbPath: join(dir.path, 'shop.duckdb') });
  await workspaces.use('default', async (s) => {
    await importDemoFiles(s, files);
    await runPipeline(s, RUN);
    rich = (await s.one<{ id: string }>(sql`SELECT customer_id AS id FROM customer_features ORDER BY orders DESC, customer_id LIMIT 1`))!.id;
    await s.run(sql`UPDATE customers SET email = ${PERSON.email}, phone = ${PERSON.phone},
      attributes = json_merge_patch(attributes, ${JSON.stringify({ first_name: PERSON.first_name, last_name: PERSON.last_name })}) WHERE id = ${rich}`);
    const embedded = await makeProfile(s, rich);
    expect(embedded.occasions.length).toBeGreaterThan(1);
    const offered = embedded.occasions.flatMap((o) => o.look_suggestion.map((i) => i.product_id));
    notOffered = (await s.all<{ id: string }>(sql`SELECT id FROM products ORDER BY id`)).map((r) => r.id).find((id) => !offered.includes(id))!;
  });
  key = (await createKey(workspaces.control, 'default', ['profiles:read'], 'test')).key;
  ({ app, base } = await serveForTest(workspaces, { llm: llm('good') }));
}, 300_000);

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await stopServer(app, workspaces, dir);
});

const llm = (behaviour: string, timeoutMs = 5_000): LlmConfig => ({ url: `${llmBase}/${behaviour}/v1`, model: 'test-model', key: 'sk-test', timeoutMs });
const profileBy = (config: LlmConfig | undefined) => workspaces.use('default', (s) => makeProfile(s, rich, { llm: config }));
const strip = (p: Profile) => ({ ...p, generated_at: '', generator: null });

describe('the LLM narrator', () => {
  it("uses a good answer: the endpoint's statements with their cited facts, looks of the products offered, the draft's browsing and new_behavior", async () => {
    const embedded = await profileBy(undefined);
    const p = await profileBy(llm('good'));
    expect(p.generator).toEqual({ narrator: 'llm', version: 'llm-1 (test-model)', seed: 1, note: null });
    expect(profileSchema.safeParse(p).success).toBe(true);
    expect(checkEvidence(p).problems).toEqual([]);
    expect(p.general_style).toBe(`In short: ${embedded.general_style}`);
    expect(p.marketing_brief.tone_of_voice).toEqual(embedded.marketing_brief.tone_of_voice.map((t) => `In short: ${t}`));
    expect(p.evidence.general_style).toEqual(p.facts.map((f) => f.id));
    // The endpoint chose the look's products (in its own order); descriptions and slots stay the catalog's.
    expect(p.occasions.map((o) => o.look_suggestion)).toEqual(embedded.occasions.map((o) => [...o.look_suggestion].reverse()));
    expect(p.current_purchase_moment.recent_browsing).toEqual(embedded.current_purchase_moment.recent_browsing);
    expect(p.current_purchase_moment.new_behavior).toBe(embedded.current_purchase_moment.new_behavior);
    expect(p.facts).toEqual(embedded.facts);
  });

  it('sends a JSON-schema-constrained request offering only fact ids and the looks’ product ids, and nothing personal', async () => {
    received.length = 0;
    const p = await profileBy(llm('good'));
    expect(received).toHaveLength(1);
    const { path, raw } = received[0]!;
    expect(path).toBe('/good/v1/chat/completions');
    const body = JSON.parse(raw) as { model: string; response_format: { type: string; json_schema: { strict: boolean; schema: Record<string, unknown> } } };
    expect(body.model).toBe('test-model');
    expect(body.response_format.type).toBe('json_schema');
    expect(body.response_format.json_schema.strict).toBe(true);
    const schema = JSON.stringify(body.response_format.json_schema.schema);
    const enums = [...schema.matchAll(/"enum":(\[[^\]]*\])/g)].map((m) => JSON.parse(m[1]!) as string[]);
    expect(enums).toContainEqual(p.facts.map((f) => f.id));
    for (const o of p.occasions) expect(enums).toContainEqual(o.look_suggestion.map((i) => i.product_id).reverse());
    for (const value of [...Object.values(PERSON), rich]) expect(raw.includes(value), value).toBe(false);
    expect(raw).toContain(JSON.stringify(p.facts.find((f) => f.id === 'history.orders')).replaceAll('"', '\\"'));
  });

  it.each([
    ['not-json', /the LLM answer is not JSON/],
    ['schema-breaking', /the LLM answer does not match the schema: general_style: /],
    ['empty-text', /its text does not fit the profile schema: general_description: /],
    ['not-offered', /suggests product "[^"]+" for \w+, which was not offered/],
    ['slot-twice', /look has two items for the slot/],
    ['wrong-number', /breaks the evidence rule: general_style: 12345 in "Has spent 12345 on knitwear alone" is not a value of history.orders/],
    ['unknown-fact', /breaks the evidence rule: content_hooks.0: cites customer.email, not facts of the profile/],
    ['failing', /the LLM endpoint answered HTTP 500/],
    ['busy', /the LLM endpoint answered HTTP 429/],
  ])('rejects a %s answer and keeps the embedded text, saying why', async (behaviour, why) => {
    const embedded = await profileBy(undefined);
    const p = await profileBy(llm(behaviour));
    expect(strip(p)).toEqual(strip(embedded));
    expect(p.generator.narrator).toBe('embedded');
    expect(p.generator.version).toBe(embedded.generator.version);
    expect(p.generator.note).toMatch(/^asked the llm narrator \(llm-1 \(test-model\)\): /);
    expect(p.generator.note).toMatch(why);
    expect(p.generator.note).toMatch(/; the embedded narrator wrote the text$/);
    for (const value of Object.values(PERSON)) expect(p.generator.note).not.toContain(value);
  });

  it('gives up on a slow answer at the configured time limit, before the endpoint answers', async () => {
    received.length = 0;
    const p = await profileBy(llm('slow', 300));
    expect(p.generator.narrator).toBe('embedded');
    expect(p.generator.note).toMatch(/the LLM endpoint did not answer within 300 ms/);
    expect(received).toHaveLength(1);
    expect(await received[0]!.hungUp).toBe(true);
  });

  it('falls back when the endpoint cannot be reached', async () => {
    const p = await profileBy({ url: 'http://127.0.0.1:9/v1', model: 'm', key: undefined, timeoutMs: 2_000 });
    expect(p.generator.note).toMatch(/the LLM endpoint could not be reached/);
  });

  it('writes the profile the API answers and keeps, when the server has the endpoint', async () => {
    const reply = await request(base, 'GET', `/v1/customers/${rich}/profile?refresh=true`, key);
    expect(reply.status, reply.text).toBe(200);
    const p = profileSchema.parse(reply.json);
    expect(p.generator.narrator).toBe('llm');
    expect(p.general_style).toMatch(/^In short: /);
    const kept = await request(base, 'GET', `/v1/customers/${rich}/profile`, key);
    expect(kept.json).toEqual(reply.json);
  });
});

describe('the evidence rule', () => {
  it('finds a number that is not a value of the facts a statement cites, and a statement without evidence', async () => {
    const p = await profileBy(undefined);
    expect(checkEvidence(p).problems).toEqual([]);
    expect(checkEvidence({ ...p, general_description: `${p.general_description}, 9876 returns` }).problems).toEqual([
      `general_description: 9876 in "${p.general_description}, 9876 returns" is not a value of ${p.evidence.general_description!.join(', ')}`,
    ]);
    const { general_style: _, ...evidence } = p.evidence;
    expect(checkEvidence({ ...p, evidence }).problems).toEqual(['general_style: no evidence']);
  });
});
