import type { Command } from 'commander';
import { DEFAULT_IMPORT_BODY_LIMIT } from '../../server/defaults.js';
import type { ServerOptions, Workspaces } from '../../server/index.js';
import { integerOption, PORT, POSITIVE } from '../options.js';
import { contextOf, type CommandContext } from '../context.js';
import { emit } from '../output.js';

/** Where the dashboard is, or why there is none, in one line; it ends with `signIn`, so a link there stays clickable. */
export async function dashboardLine(url: string, signIn: string): Promise<string> {
  const { dashboardBuilt } = await import('../../server/index.js');
  return dashboardBuilt() ? `Dashboard: ${url}/ - ${signIn}` : 'No dashboard: it is not built; run `npm run build` in the Segmint checkout.';
}

/**
 * Starts the API on the CLI's store and serves until SIGINT or SIGTERM; `ready` runs once it listens (the demo uses
 * it to hand out a key). Closing lets in-flight requests finish before the stores close.
 */
export async function serveUntilStopped(
  ctx: CommandContext,
  listen: { port: number; host: string; importLimit?: number },
  ready: (url: string, workspaces: Workspaces) => Promise<void>,
  server: Pick<ServerOptions, 'storefrontDemo'> = {},
): Promise<void> {
  const { buildServer, DEFAULT_WORKSPACE, Workspaces } = await import('../../server/index.js');
  const { createLogger } = await import('../../shared/logger.js');
  const workspaces = await Workspaces.open({ dbPath: ctx.options.db ?? ctx.config.dbPath, memory: ctx.config.memory, threads: ctx.config.threads });
  // The default workspace's live view is read before listening, so the first requests are already answered from memory.
  await workspaces.rebuildView(DEFAULT_WORKSPACE);
  // Answers are checked against their schemas in the tests; served, the hot routes write theirs in one pass.
  const app = await buildServer({ ...server, workspaces, logger: createLogger(ctx.config.logLevel), checkResponses: false, importBodyLimit: listen.importLimit, webhooks: { addresses: ctx.config.webhookAddresses }, minAudienceSize: ctx.config.minAudienceSize, ...(ctx.config.llm ? { llm: ctx.config.llm } : {}) });
  const url = await app.listen(listen);
  await ready(url, workspaces);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await app.close();
  await workspaces.close();
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Start the REST API (OpenAPI at /docs) and the dashboard (at /); --db is the "default" workspace')
    .option('--port <n>', 'port (0 picks a free one)', '3000')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--import-limit <bytes>', 'largest file POST /v1/imports accepts', String(DEFAULT_IMPORT_BODY_LIMIT))
    .action(async (o: { port: string; host: string; importLimit: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const importLimit = integerOption(o.importLimit, '--import-limit', POSITIVE);
      await serveUntilStopped(ctx, { port: integerOption(o.port, '--port', PORT), host: o.host, importLimit }, async (url) => {
        const { dashboardBuilt } = await import('../../server/index.js');
        const line = await dashboardLine(url, 'sign in with an API key from `segmint keys create --scopes admin`');
        emit(ctx.options, { url, dashboard: dashboardBuilt() ? `${url}/` : null }, () => [`Segmint API on ${url} (OpenAPI at ${url}/docs)`, line].join('\n'));
      });
    });
}
