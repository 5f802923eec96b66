import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { NotFoundError, UsageError } from '../shared/errors.js';
import { sql } from '../sql/index.js';
import type { ControlDb, ControlSession, ControlVersion } from './control-db.js';
import { ControlFileWatch, KEY_CACHE_CHECK_MS } from './control-file-watch.js';

export const SCOPES = ['ingest:write', 'audiences:read', 'audiences:write', 'profiles:read', 'campaigns:read', 'campaigns:write', 'storefront', 'admin'] as const;
export const scopeSchema = z.enum(SCOPES);
export type Scope = z.infer<typeof scopeSchema>;

/** Workspace names become file names, so they are kept to a safe alphabet. */
const workspaceNameSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, "-" and "_", starting with a letter or digit');

const KEY_PREFIX = 'sgm_';

/**
 * The one public scope: a storefront key sits in a shop's pages for anyone to read, so it can only ask for decisions
 * and send campaign events, only from the origins it names, and never carries another scope.
 */
export const STOREFRONT: Scope = 'storefront';

/** An origin as browsers send it: scheme, host and port, no path. */
export const originSchema = z
  .string()
  .regex(/^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/, 'an origin such as https://shop.example.com (scheme, host and port; no path)');

const apiKeySchema = z.object({
  id: z.string().describe('key_...: how listings, revocation and the audit log name the key'),
  workspace: z.string(),
  scopes: z.array(scopeSchema),
  origins: z.array(z.string()).describe('for a storefront key, the origins of the pages it may be used from; empty for any other key'),
});
export type ApiKey = z.infer<typeof apiKeySchema>;

/** A key as listed: never the key itself, only its id. */
export const keyListingSchema = apiKeySchema
  .extend({ created_at: z.string(), revoked: z.boolean(), revoked_at: z.string().nullable() })
  .meta({ id: 'ApiKeyListing' });
type KeyListing = z.infer<typeof keyListingSchema>;

/** A key just created: the only time the key itself is shown. */
export const createdKeySchema = apiKeySchema.extend({ key: z.string().describe('the bearer token; only its hash is kept') });
export type CreatedKey = z.infer<typeof createdKeySchema>;

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** `admin` covers every other scope of its own workspace. */
export function allows(key: ApiKey, scope: Scope): boolean {
  return key.scopes.includes(scope) || key.scopes.includes('admin');
}

export function parseScopes(text: string): Scope[] {
  const scopes = [...new Set(text.split(',').map((s) => s.trim()).filter(Boolean))];
  if (scopes.length === 0) throw new UsageError(`--scopes: give one or more of ${SCOPES.join(', ')}`);
  for (const s of scopes) {
    if (!scopeSchema.safeParse(s).success) throw new UsageError(`--scopes: "${s}" is not one of ${SCOPES.join(', ')}`, { scope: s });
  }
  return scopes as Scope[];
}

interface AuditEntry {
  actor: string;
  action: string;
  workspace: string;
  details?: Record<string, unknown>;
}

function insertAudit(s: ControlSession, entry: AuditEntry): Promise<number> {
  return s.run(sql`INSERT INTO audit_log VALUES (now(), ${entry.actor}, ${entry.action}, ${entry.workspace}, ${JSON.stringify(entry.details ?? {})})`);
}

export async function audit(db: ControlDb, entry: AuditEntry): Promise<void> {
  await db.write((s) => insertAudit(s, entry));
}

/**
 * A new key: 32 random bytes (256 bits), returned once; only its hash is stored. The workspace is created on
 * first use. The key, its workspace and the audit entry are written together or not at all.
 */
export async function createKey(db: ControlDb, workspace: string, scopes: Scope[], actor: string, origins: string[] = []): Promise<CreatedKey> {
  const name = workspaceNameSchema.safeParse(workspace);
  if (!name.success) throw new UsageError(`--workspace: "${workspace}": ${name.error.issues[0]?.message}`, { workspace });
  checkOrigins(scopes, origins);
  const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  const id = `key_${randomBytes(6).toString('hex')}`;
  await db.write(async (s) => {
    await s.run(sql`INSERT INTO workspaces VALUES (${workspace}, now()) ON CONFLICT DO NOTHING`);
    await s.run(sql`INSERT INTO api_keys (id, workspace, scopes, key_hash, created_at, revoked_at, origins)
      VALUES (${id}, ${workspace}, ${scopes.join(',')}, ${hashKey(key)}, now(), NULL, ${origins.join(',')})`);
    await insertAudit(s, { actor, action: 'key.create', workspace, details: { id, scopes, origins } });
  });
  return { key, id, workspace, scopes, origins };
}

/** A storefront key is alone in its scope and names the origins it serves; no other key names any. */
function checkOrigins(scopes: readonly Scope[], origins: readonly string[]): void {
  if (scopes.includes(STOREFRONT)) {
    if (scopes.length > 1) throw new UsageError(`--scopes: a storefront key is public and carries no other scope (got ${scopes.join(', ')})`, { scopes });
    if (origins.length === 0) throw new UsageError('--origins: a storefront key needs the origins of the pages it is used from', { origins });
  } else if (origins.length > 0) {
    throw new UsageError('--origins: only a storefront key is restricted to origins', { origins });
  }
  for (const o of origins) {
    const checked = originSchema.safeParse(o);
    if (!checked.success) throw new UsageError(`--origins: "${o}" is not ${checked.error.issues[0]?.message}`, { origin: o });
  }
}

export function parseOrigins(text: string | undefined): string[] {
  return [...new Set((text ?? '').split(',').map((s) => s.trim()).filter(Boolean))];
}

const keyColumns = sql`id, workspace, scopes, coalesce(origins, '') AS origins, strftime(created_at, '%Y-%m-%d %H:%M:%S') AS created_at,
  revoked_at IS NOT NULL AS revoked, strftime(revoked_at, '%Y-%m-%d %H:%M:%S') AS revoked_at`;

type KeyRow = Omit<KeyListing, 'scopes' | 'origins'> & { scopes: string; origins: string };

function listing(row: KeyRow): KeyListing {
  return { ...row, scopes: row.scopes.split(',') as Scope[], origins: parseOrigins(row.origins) };
}

/** Every key, or those of one workspace: never the keys themselves. */
export async function listKeys(db: ControlDb, workspace?: string): Promise<KeyListing[]> {
  const where = workspace === undefined ? sql`` : sql`WHERE workspace = ${workspace}`;
  const rows = await db.all<KeyRow>(sql`SELECT ${keyColumns} FROM api_keys ${where} ORDER BY workspace, created_at, id`);
  return rows.map(listing);
}

/**
 * Revokes a key; from then on it is refused. With `workspace`, only a key of that workspace can be revoked: another
 * workspace's key is reported as absent, as it is from there. Revoking a revoked key changes nothing.
 */
export async function revokeKey(db: ControlDb, id: string, actor: string, workspace?: string): Promise<KeyListing> {
  return db.write(async (s) => {
    const scope = workspace === undefined ? sql`` : sql`AND workspace = ${workspace}`;
    const changed = await s.run(sql`UPDATE api_keys SET revoked_at = now() WHERE id = ${id} AND revoked_at IS NULL ${scope}`);
    const [row] = await s.all<KeyRow>(sql`SELECT ${keyColumns} FROM api_keys WHERE id = ${id} ${scope}`);
    if (!row) throw new NotFoundError(`no API key "${id}"${workspace === undefined ? '' : ` in workspace "${workspace}"`}`, { key: id });
    if (changed > 0) await insertAudit(s, { actor, action: 'key.revoke', workspace: row.workspace, details: { id } });
    return listing(row);
  });
}

/** One page of a workspace's audit log, newest first. */
export const auditPageSchema = z.object({
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
  entries: z.array(
    z.object({
      at: z.string().describe('YYYY-MM-DD HH:MM:SS.mmm (UTC)'),
      actor: z.string().describe('the key id that acted, or cli'),
      action: z.string().describe('key.create, key.revoke, audience.delete, customer.erase, ...'),
      details: z.record(z.string(), z.unknown()).describe('what was acted on, never whom: an erasure counts rows, without the customer id'),
    }),
  ),
});
export type AuditPage = z.infer<typeof auditPageSchema>;

/** A workspace's audit entries, newest first. */
export async function auditLog(db: ControlDb, workspace: string, page: { limit: number; offset: number }): Promise<AuditPage> {
  return db.read(async (s) => {
    const [counted] = await s.all<{ n: bigint }>(sql`SELECT count(*) AS n FROM audit_log WHERE workspace = ${workspace}`);
    const rows = await s.all<{ at: string; actor: string; action: string; details: string }>(sql`
      SELECT strftime(ts, '%Y-%m-%d %H:%M:%S.%g') AS at, actor, action, details::VARCHAR AS details FROM audit_log
      WHERE workspace = ${workspace} ORDER BY ts DESC, rowid DESC LIMIT ${page.limit} OFFSET ${page.offset}`);
    return { total: Number(counted?.n ?? 0), ...page, entries: rows.map((r) => ({ ...r, details: JSON.parse(r.details) as Record<string, unknown> })) };
  });
}

/**
 * Longest a key created or revoked by another process (`segmint keys`) can go unnoticed where neither a notice nor the
 * periodic check shows the change: on file systems that send no notices and whose timestamps are too coarse to tell
 * two writes of the same size apart (plus the moment the reload takes).
 */
export const KEY_CACHE_MAX_AGE_MS = 5_000;

/**
 * The live keys by hash, so that authenticating a request costs a hash, not an opening of the control file.
 *
 * How soon a change is seen (the reload it causes is waited for by the request that sees it):
 * - made through the same ControlDb (a key created or revoked over the API): from the next request on;
 * - made by another process (`segmint keys`, another server): from the first request after the operating system
 *   reports the write (a watch on the control file's folder, normally milliseconds), and at the latest
 *   KEY_CACHE_CHECK_MS after the command ended, when the next check sees the file's size or time changed;
 * - at worst KEY_CACHE_MAX_AGE_MS, without notices on a file system with coarse timestamps.
 * Between notices and checks a request reads one counter and the clock, and makes no system call.
 */
export class KeyCache {
  private keys = new Map<string, ApiKey>();
  private loaded: { version: string; writes: number; at: number; settled: boolean } | undefined;
  private pending: { version: string; done: Promise<void> } | undefined;
  private readonly watch: ControlFileWatch;

  /** `checkMs` and `notices` are for tests that take one of the two ways of seeing a change away. */
  constructor(
    private readonly db: ControlDb,
    options: { checkMs?: number; notices?: boolean } = {},
  ) {
    this.watch = new ControlFileWatch(db.path, { checkMs: options.checkMs ?? KEY_CACHE_CHECK_MS, notices: options.notices ?? true });
  }

  /** The live key matching `token`, if any. */
  async find(token: string): Promise<ApiKey | undefined> {
    if (!token.startsWith(KEY_PREFIX)) return undefined;
    await this.fresh();
    return this.keys.get(hashKey(token));
  }

  /** Stops watching the control file. */
  close(): void {
    this.watch.close();
  }

  private async fresh(): Promise<void> {
    // Asked first, so that the first load also starts the check interval. While a reload runs, every request looks
    // (a reload for a change must be waited for by all that come after).
    if (!this.watch.due() && this.loaded?.writes === this.db.writes && this.pending === undefined) return;
    const version = this.db.version();
    const unchanged = this.loaded?.version === version.key;
    if (unchanged && (this.loaded!.settled || Date.now() - this.loaded!.at < KEY_CACHE_MAX_AGE_MS)) return;
    // A load begun before the latest change may have read the data before it, so only a load of this version serves.
    if (this.pending?.version !== version.key) {
      const done = this.load(version);
      this.pending = { version: version.key, done };
      void done.then(
        () => this.settle(done),
        () => this.settle(done),
      );
    }
    // Past only the age backstop, with no change seen, requests keep the keys they have while the reload runs: a
    // reload opens the control file, and making every request wait for it every few seconds shows in the tail latency.
    if (!unchanged) await this.pending.done;
  }

  private settle(done: Promise<void>): void {
    if (this.pending?.done === done) this.pending = undefined;
  }

  private async load(version: ControlVersion): Promise<void> {
    const at = Date.now();
    const rows = await this.db.all<{ id: string; workspace: string; scopes: string; key_hash: string; origins: string }>(sql`
      SELECT id, workspace, scopes, key_hash, coalesce(origins, '') AS origins FROM api_keys WHERE revoked_at IS NULL`);
    this.keys = new Map(rows.map((r) => [r.key_hash, { id: r.id, workspace: r.workspace, scopes: r.scopes.split(',') as Scope[], origins: parseOrigins(r.origins) }]));
    // Files last written well before this load began: a later write, even one stamped as coarsely as the backstop
    // allows for, moves their time and so the version. From then on the backstop has nothing to catch, and the cache
    // stops reopening the control file while nothing changes.
    this.loaded = { version: version.key, writes: version.writes, at, settled: at - version.modifiedMs > KEY_CACHE_MAX_AGE_MS };
  }
}
