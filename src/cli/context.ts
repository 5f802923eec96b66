import type { Command } from 'commander';
import { loadConfig, type Config } from '../shared/config.js';
import { Store } from '../store/index.js';
import type { GlobalOptions } from './output.js';

export interface CommandContext {
  config: Config;
  options: GlobalOptions;
}

export function contextOf(cmd: Command): CommandContext {
  const options = cmd.optsWithGlobals<GlobalOptions>();
  const config = loadConfig();
  return { config, options };
}

/** Opens the store named by `--db` (else SEGMINT_DB, else ./segmint.duckdb), runs `fn`, always closes it. */
export async function withStore<T>(ctx: CommandContext, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await Store.open({
    path: ctx.options.db ?? ctx.config.dbPath,
    memoryLimit: ctx.config.memoryLimit,
    threads: ctx.config.threads,
  });
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}
