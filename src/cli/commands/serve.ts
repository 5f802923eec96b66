import type { Command } from 'commander';
import { buildServer, Workspaces } from '../../server/index.js';
import { ValidationError } from '../../shared/errors.js';
import { createLogger } from '../../shared/logger.js';
import { contextOf } from '../context.js';
import { emit } from '../output.js';

function port(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ValidationError(`--port: "${text}" is not a port number`);
  return n;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Start the REST API (OpenAPI at /docs); --db is the "default" workspace')
    .option('--port <n>', 'port (0 picks a free one)', '3000')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .action(async (o: { port: string; host: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const workspaces = await Workspaces.open({ dbPath: ctx.options.db ?? ctx.config.dbPath, memoryLimit: ctx.config.memoryLimit, threads: ctx.config.threads });
      const app = await buildServer({ workspaces, logger: createLogger(ctx.config.logLevel) });
      const address = await app.listen({ port: port(o.port), host: o.host });
      emit(ctx.options, { url: address }, () => `Segmint API on ${address} (OpenAPI at ${address}/docs)`);
      // Serves until a signal; closing lets in-flight requests finish before the stores close.
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await app.close();
      await workspaces.close();
    });
}
