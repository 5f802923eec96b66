import type { FastifyInstance } from 'fastify';
import { buildServer, type ServerOptions, type Workspaces } from '../../src/server/index.js';

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
