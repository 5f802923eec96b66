import type { Command } from 'commander';
import { UsageError } from '../shared/errors.js';
import { loadConfig, type Config } from '../shared/config.js';
import { MEMORY_FORMAT, memoryBudget, parseMemory } from '../shared/memory.js';
import type { Store } from '../store/index.js';
import { shownStoreName, storeExists } from '../store/names.js';
import type { GlobalOptions } from './output.js';

export interface CommandContext {
  config: Config;
  options: GlobalOptions;
}

export function contextOf(cmd: Command): CommandContext {
  const options = cmd.optsWithGlobals<GlobalOptions>();
  const config = loadConfig();
  if (options.memory !== undefined) {
    const bytes = parseMemory(options.memory);
    if (bytes === undefined) throw new UsageError(`--memory: "${options.memory}" is not ${MEMORY_FORMAT}`, { memory: options.memory });
    config.memory = memoryBudget(bytes);
  }
  return { config, options };
}

/**
 * Opens the store named by `--db` (else SEGMINT_DB, else ./segmint.duckdb), runs `fn`, always closes it. Only the
 * commands that fill a store create it: anywhere else a mistyped path would open a new, empty store and answer zero.
 * The engines load only once the store is known to exist, and commands load their own modules inside `fn`, so a
 * mistyped path costs no more than starting.
 */
export async function withStore<T>(ctx: CommandContext, fn: (store: Store) => Promise<T>, options: { create?: boolean } = {}): Promise<T> {
  const path = ctx.options.db ?? ctx.config.dbPath;
  if (!options.create && !(await storeExists(path))) {
    const shown = await shownStoreName(path);
    throw new UsageError(`no store at ${shown} (--db or SEGMINT_DB): \`segmint import\` or \`segmint demo\` creates one`, { db: shown });
  }
  const { Store } = await import('../store/index.js');
  const store = await Store.open({ path, memory: ctx.config.memory, threads: ctx.config.threads });
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}
