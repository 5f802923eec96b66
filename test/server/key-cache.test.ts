import { existsSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { KeyCache } from '../../src/server/api-keys.js';
import { ControlDb, createKey, KEY_CACHE_CHECK_MS, KEY_CACHE_MAX_AGE_MS, revokeKey, Workspaces } from '../../src/server/index.js';
import { runCliAsync } from '../helpers/cli.js';
import { tempDir } from '../helpers.js';
import { seenWithin } from './harness.js';

/** Sets the control file's (and its log's) modification time this far in the past, as an idle server's would be. */
function age(path: string, ms: number): void {
  const when = new Date(Date.now() - ms);
  for (const p of [path, `${path}.wal`]) if (existsSync(p)) utimesSync(p, when, when);
}

/** `segmint keys revoke` in its own process, as an operator runs it beside the server; resolves when it has exited. */
async function cliRevoke(db: string, id: string): Promise<void> {
  const { code, stderr } = await runCliAsync(['--db', db, 'keys', 'revoke', id, '--json']);
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
}

describe('the API key cache', () => {
  const dir = tempDir();
  afterAll(() => dir.cleanup());
  afterEach(() => vi.restoreAllMocks());

  it('stops reopening the control file while nothing changes, and still sees a change made by another process', async () => {
    const path = join(dir.path, '_control.duckdb');
    const server = await ControlDb.open(path);
    const made = await createKey(server, 'default', ['audiences:read'], 'test');
    const loads = vi.spyOn(server, 'all');
    // Looking at the file on every request, as a server on a file system without notices does at each check.
    const cache = new KeyCache(server, { checkMs: 0, notices: false });
    age(path, 60 * 60_000);

    expect((await cache.find(made.key))?.id).toBe(made.id);
    expect(loads).toHaveBeenCalledTimes(1);
    // Long past the backstop, with files written long before the load: nothing to reload.
    const clock = vi.spyOn(Date, 'now').mockReturnValue(Date.now() + 10 * KEY_CACHE_MAX_AGE_MS);
    for (let i = 0; i < 3; i++) expect((await cache.find(made.key))?.id).toBe(made.id);
    expect(loads).toHaveBeenCalledTimes(1);
    clock.mockRestore();

    // Another ControlDb on the file (as another process) revokes the key: the next check sees the file change.
    const cli = await ControlDb.open(path);
    await revokeKey(cli, made.id, 'cli');
    expect(await cache.find(made.key)).toBeUndefined();
    expect(loads).toHaveBeenCalledTimes(2);

    // That load followed a write within the backstop's reach, so past the backstop the keys are read once more.
    vi.spyOn(Date, 'now').mockReturnValue(Date.now() + 2 * KEY_CACHE_MAX_AGE_MS);
    await cache.find(made.key);
    await vi.waitFor(() => expect(loads).toHaveBeenCalledTimes(3));
    cache.close();
    server.close();
    cli.close();
  });

  it('between checks looks at no file, and still refuses a key revoked over the API from the next request on', async () => {
    const path = join(dir.path, 'api-control.duckdb');
    const server = await ControlDb.open(path);
    const made = await createKey(server, 'default', ['audiences:read'], 'test');
    const cache = new KeyCache(server, { checkMs: 60 * 60_000, notices: false });
    expect((await cache.find(made.key))?.id).toBe(made.id);

    const looks = vi.spyOn(server, 'version');
    for (let i = 0; i < 100; i++) expect((await cache.find(made.key))?.id).toBe(made.id);
    expect(looks).not.toHaveBeenCalled();

    await revokeKey(server, made.id, 'api');
    expect(await cache.find(made.key)).toBeUndefined();
    cache.close();
    server.close();
  });

  // Files written long before the cache loaded (an idle server's), so the age backstop never reloads: without the way
  // under test, the revocation would not be seen at all.
  it.each([
    { way: 'notices and checks (as served)', options: {}, withinMs: KEY_CACHE_CHECK_MS },
    { way: 'the periodic check alone (no notices)', options: { notices: false }, withinMs: KEY_CACHE_CHECK_MS },
    { way: 'notices alone', options: { checkMs: Infinity }, withinMs: KEY_CACHE_MAX_AGE_MS },
  ])('refuses a key revoked by `segmint keys revoke` in another process, by $way', async ({ way, options, withinMs }) => {
    const db = join(dir.path, `${way.replace(/\W+/g, '-')}.duckdb`);
    const workspaces = await Workspaces.open({ dbPath: db });
    const control = workspaces.control;
    const made = await createKey(control, 'default', ['storefront'], 'test', ['https://shop.example.com']);
    age(control.path, 60 * 60_000);
    const cache = new KeyCache(control, options);
    expect((await cache.find(made.key))?.id).toBe(made.id);

    await cliRevoke(db, made.id);
    const ended = performance.now();
    expect(await seenWithin(async () => (await cache.find(made.key)) === undefined, ended, withinMs)).toBe(true);
    cache.close();
    await workspaces.close();
  });
});
