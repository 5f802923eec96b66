import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ValidationError } from '../shared/errors.js';
import { sql } from '../sql/index.js';
import type { ControlDb } from './control-db.js';

export const SCOPES = ['ingest:write', 'audiences:read', 'audiences:write', 'profiles:read', 'campaigns:write', 'admin'] as const;
export const scopeSchema = z.enum(SCOPES);
export type Scope = z.infer<typeof scopeSchema>;

/** Workspace names become file names, so they are kept to a safe alphabet. */
export const workspaceNameSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, "-" and "_", starting with a letter or digit');

const KEY_PREFIX = 'sgm_';

export interface ApiKey {
  id: string;
  workspace: string;
  scopes: Scope[];
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** `admin` covers every other scope of its own workspace. */
export function allows(key: ApiKey, scope: Scope): boolean {
  return key.scopes.includes(scope) || key.scopes.includes('admin');
}

export function parseScopes(text: string): Scope[] {
  const scopes = [...new Set(text.split(',').map((s) => s.trim()).filter(Boolean))];
  if (scopes.length === 0) throw new ValidationError(`--scopes: give one or more of ${SCOPES.join(', ')}`);
  for (const s of scopes) {
    if (!scopeSchema.safeParse(s).success) throw new ValidationError(`--scopes: "${s}" is not one of ${SCOPES.join(', ')}`, { scope: s });
  }
  return scopes as Scope[];
}

export async function audit(db: ControlDb, entry: { actor: string; action: string; workspace: string; details?: Record<string, unknown> }): Promise<void> {
  await db.run(sql`INSERT INTO audit_log VALUES (now(), ${entry.actor}, ${entry.action}, ${entry.workspace}, ${JSON.stringify(entry.details ?? {})})`);
}

/**
 * A new key: 32 random bytes (256 bits), returned once; only its hash is stored. The workspace is created on
 * first use.
 */
export async function createKey(db: ControlDb, workspace: string, scopes: Scope[], actor: string): Promise<ApiKey & { key: string }> {
  const name = workspaceNameSchema.safeParse(workspace);
  if (!name.success) throw new ValidationError(`--workspace: "${workspace}": ${name.error.issues[0]?.message}`, { workspace });
  const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  const id = `key_${randomBytes(6).toString('hex')}`;
  await db.run(sql`INSERT INTO workspaces VALUES (${workspace}, now()) ON CONFLICT DO NOTHING`);
  await db.run(sql`INSERT INTO api_keys VALUES (${id}, ${workspace}, ${scopes.join(',')}, ${hashKey(key)}, now(), NULL)`);
  await audit(db, { actor, action: 'key.create', workspace, details: { id, scopes } });
  return { key, id, workspace, scopes };
}

export async function listKeys(db: ControlDb): Promise<Array<ApiKey & { created_at: string; revoked: boolean }>> {
  const rows = await db.all<{ id: string; workspace: string; scopes: string; created_at: string; revoked: boolean }>(sql`
    SELECT id, workspace, scopes, strftime(created_at, '%Y-%m-%d %H:%M:%S') AS created_at, revoked_at IS NOT NULL AS revoked
    FROM api_keys ORDER BY workspace, created_at, id`);
  return rows.map((r) => ({ ...r, scopes: r.scopes.split(',') as Scope[] }));
}

/** The live key whose hash matches, if any. */
export async function findKey(db: ControlDb, key: string): Promise<ApiKey | undefined> {
  if (!key.startsWith(KEY_PREFIX)) return undefined;
  const [row] = await db.all<{ id: string; workspace: string; scopes: string }>(sql`
    SELECT id, workspace, scopes FROM api_keys WHERE key_hash = ${hashKey(key)} AND revoked_at IS NULL`);
  return row && { id: row.id, workspace: row.workspace, scopes: row.scopes.split(',') as Scope[] };
}
