import type { Command } from 'commander';
import { buildServer, DEFAULT_WORKSPACE, Workspaces } from '../../server/index.js';
import { integerOption, PORT } from '../options.js';
import { createLogger } from '../../shared/logger.js';
import { contextOf, type CommandContext } from '../context.js';
import { emit } from '../output.js';

/**
 * Starts the API on the CLI's store and serves until SIGINT or SIGTERM; `ready` runs once it listens (the demo uses
 * it to hand out a key). Closing lets in-flight requests finish before the stores close.
 */
export async function serveUntilStopped(
  ctx: CommandContext,
  listen: { port: number; host: string },
  ready: (url: string, workspaces: Workspaces) => Promise<void>,
): Promise<void> {
  const workspaces = await Workspaces.open({ dbPath: ctx.options.db ?? ctx.config.dbPath, memoryLimit: ctx.config.memoryLimit, threads: ctx.config.threads });
  // The default workspace's live view is read before listening, so the first requests are already answered from memory.
  await workspaces.rebuildView(DEFAULT_WORKSPACE);
  const app = await buildServer({ workspaces, logger: createLogger(ctx.config.logLevel) });
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
    .description('Start the REST API (OpenAPI at /docs); --db is the "default" workspace')
    .option('--port <n>', 'port (0 picks a free one)', '3000')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .action(async (o: { port: string; host: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      await serveUntilStopped(ctx, { port: integerOption(o.port, '--port', PORT), host: o.host }, (url) => {
        emit(ctx.options, { url }, () => `Segmint API on ${url} (OpenAPI at ${url}/docs)`);
        return Promise.resolve();
      });
    });
}
