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
