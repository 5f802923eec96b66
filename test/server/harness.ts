import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { createAudience } from '../../src/audiences/index.js';
import { generateDemo, importDemoFiles } from '../../src/demo/index.js';
import { runPipeline } from '../../src/pipeline/index.js';
import { buildServer, Workspaces, type ServerOptions } from '../../src/server/index.js';

/** The date the campaign tests' shop is run as of. */
export const CAMPAIGN_RUN = '2026-11-01 00:00:00';

/**
 * A demo shop in `dir` with the audiences the campaign tests target (Buyers: orders >= 1; Frequent buyers: orders >= 3),
 * run once as of CAMPAIGN_RUN.
 */
export async function campaignShop(dir: string, demo: { customers: number; seed: number }): Promise<Workspaces> {
  const files = await generateDemo({ ...demo, outDir: join(dir, 'demo') });
  const workspaces = await Workspaces.open({ dbPath: join(dir, 'shop.duckdb') });
  await workspaces.use('default', async (s) => {
    await importDemoFiles(s, files);
    await createAudience(s, { name: 'Buyers', rule: 'orders >= 1' });
    await createAudience(s, { name: 'Frequent buyers', rule: 'orders >= 3' });
    await runPipeline(s, CAMPAIGN_RUN);
  });
  return workspaces;
}

/** The API on an ephemeral loopback port, as the tests talk to it: over real HTTP. */
export async function serveForTest(workspaces: Workspaces, options: Omit<ServerOptions, 'workspaces'> = {}): Promise<{ app: FastifyInstance; base: string }> {
  const app = await buildServer({ workspaces, ...options });
  return { app, base: await app.listen({ port: 0, host: '127.0.0.1' }) };
}

/** Stops the server before closing the stores it serves, then removes the test's files. */
export async function stopServer(app: FastifyInstance, workspaces: Workspaces, dir: { cleanup: () => void }): Promise<void> {
  await app.close();
  await workspaces.close();
  dir.cleanup();
}

/** One request to the API under test, with a key when given and a JSON body when given; the reply parsed if any. */
export async function request(base: string, method: string, path: string, key?: string, body?: unknown) {
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, text, json: text ? JSON.parse(text) : null };
}

/**
 * The routes as the server holds them, from its route tree (which, unlike the OpenAPI document, also lists routes
 * hidden from the docs): `METHOD /path`, HEAD left out (Fastify adds it to every GET).
 */
export function serverRoutes(server: FastifyInstance): string[] {
  const stack: string[] = [];
  const routes: string[] = [];
  for (const line of server.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│ ]*)[├└]── (\S+)(?: \(([^)]*)\))?$/u.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack.push(m[2]!);
    const path = stack.join('');
    for (const method of (m[3] ?? '').split(', ').filter((x) => x && x !== 'HEAD')) routes.push(`${method} ${path}`);
  }
  return routes;
}

type Schema = Record<string, unknown>;

/** The parts of the OpenAPI document (/docs/json) the tests read. */
export interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, { schema?: Schema }> }> }>>;
  components?: { schemas?: Record<string, Schema> };
}

/** A route as the server names it (`GET /v1/audiences/:id`) to its path and method in the document. */
export function operationOf(doc: OpenApiDoc, route: string) {
  const [method, path] = route.split(' ') as [string, string];
  return doc.paths[path.replace(/:(\w+)/g, '{$1}')]?.[method.toLowerCase()];
}

/** The JSON schema the document gives a route's answer with this status (and content type), if it gives one. */
export function documentedSchema(doc: OpenApiDoc, route: string, status: number, contentType = 'application/json'): Schema | undefined {
  return operationOf(doc, route)?.responses?.[String(status)]?.content?.[contentType]?.schema;
}

/**
 * What is wrong with a reply by the document: its status undocumented, or its body not valid by the documented JSON
 * schema. The validator is built from the JSON the document holds (its component references resolved), not from the
 * zod schema the server serializes with, so it checks what a client generating code from /docs/json would rely on.
 */
export function undocumented(doc: OpenApiDoc, route: string, status: number, body: unknown, contentType = 'application/json'): string[] {
  const schema = documentedSchema(doc, route, status, contentType);
  if (!schema) return [`${route}: status ${status} is not documented`];
  const local = JSON.parse(JSON.stringify({ ...schema, definitions: doc.components?.schemas ?? {} }).replaceAll('#/components/schemas/', '#/definitions/')) as Schema;
  const result = z.fromJSONSchema(local, { defaultTarget: 'openapi-3.0' }).safeParse(body);
  return result.success ? [] : result.error.issues.map((i) => `${route} ${status}: ${i.path.join('.') || 'body'}: ${i.message}`);
}

/**
 * Probes until `probe` answers true, and returns its last answer: true once it did, false when even a probe begun
 * `withinMs` after `since` (a performance.now()) did not. So a change promised within that delay is held to it, however
 * long each probe itself takes on a loaded machine.
 */
export async function seenWithin(probe: () => Promise<boolean>, since: number, withinMs: number): Promise<boolean> {
  for (;;) {
    const started = performance.now();
    if (await probe()) return true;
    if (started > since + withinMs) return false;
    await sleep(5);
  }
}
