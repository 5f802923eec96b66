import type { Command } from 'commander';
import { parseOrigins, parseScopes, SCOPES } from '../../server/api-keys.js';
import { DEFAULT_WORKSPACE } from '../../server/defaults.js';
import type { ControlDb } from '../../server/index.js';
import { contextOf, type CommandContext } from '../context.js';
import { emit, table } from '../output.js';

async function withControlDb<T>(ctx: CommandContext, fn: (db: ControlDb) => Promise<T>): Promise<T> {
  const { openControlDb } = await import('../../server/index.js');
  const db = await openControlDb(ctx.options.db ?? ctx.config.dbPath);
  try {
    return await fn(db);
  } finally {
    db.close();
  }
}

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description("API keys for the server: each belongs to one workspace and sees only it");
  keys
    .command('create')
    .description('Create a key and print it once; only its hash is kept')
    .option('--workspace <name>', 'the workspace it belongs to (created if new)', DEFAULT_WORKSPACE)
    .requiredOption('--scopes <list>', `comma-separated: ${SCOPES.join(', ')}`)
    .option('--origins <list>', 'for a storefront key (--scopes storefront): comma-separated origins of the pages it is used from')
    .action(async (o: { workspace: string; scopes: string; origins?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const scopes = parseScopes(o.scopes);
      const created = await withControlDb(ctx, async (db) => {
        const { createKey } = await import('../../server/index.js');
        return createKey(db, o.workspace, scopes, 'cli', parseOrigins(o.origins));
      });
      emit(ctx.options, created, () =>
        [`${created.key}`, `key ${created.id} for workspace "${created.workspace}" (${created.scopes.join(', ')}); it is shown only this once`].join('\n'),
      );
    });
  keys
    .command('list')
    .description('Keys: id, workspace, scopes (never the keys themselves)')
    .action(async (_o: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const rows = await withControlDb(ctx, async (db) => {
        const { listKeys } = await import('../../server/index.js');
        return listKeys(db);
      });
      emit(ctx.options, rows, () =>
        table([['id', 'workspace', 'scopes', 'created', 'revoked'], ...rows.map((r) => [r.id, r.workspace, r.scopes.join(','), r.created_at, r.revoked_at ?? ''])]),
      );
    });
  keys
    .command('revoke')
    .description('Revoke a key: a running server refuses it from its next request on')
    .argument('<id>', 'the key id, as `keys list` shows it')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const revoked = await withControlDb(ctx, async (db) => {
        const { revokeKey } = await import('../../server/index.js');
        return revokeKey(db, id, 'cli');
      });
      emit(ctx.options, revoked, () => `key ${revoked.id} of workspace "${revoked.workspace}" revoked at ${revoked.revoked_at ?? ''}`);
    });
}
