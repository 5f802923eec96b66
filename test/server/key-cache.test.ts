import { existsSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { KeyCache } from '../../src/server/api-keys.js';
import { ControlDb, createKey, KEY_CACHE_MAX_AGE_MS, revokeKey } from '../../src/server/index.js';
import { tempDir } from '../helpers.js';

/** Sets the control file's (and its log's) modification time this far in the past, as an idle server's would be. */
function age(path: string, ms: number): void {
  const when = new Date(Date.now() - ms);
  for (const p of [path, `${path}.wal`]) if (existsSync(p)) utimesSync(p, when, when);
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
    const cache = new KeyCache(server);
    age(path, 60 * 60_000);

    expect((await cache.find(made.key))?.id).toBe(made.id);
    expect(loads).toHaveBeenCalledTimes(1);
    // Long past the backstop, with files written long before the load: nothing to reload.
    const clock = vi.spyOn(Date, 'now').mockReturnValue(Date.now() + 10 * KEY_CACHE_MAX_AGE_MS);
    for (let i = 0; i < 3; i++) expect((await cache.find(made.key))?.id).toBe(made.id);
    expect(loads).toHaveBeenCalledTimes(1);
    clock.mockRestore();

    // Another process (its own ControlDb on the file) revokes the key: the next request sees the file change.
    const cli = await ControlDb.open(path);
    await revokeKey(cli, made.id, 'cli');
    expect(await cache.find(made.key)).toBeUndefined();
    expect(loads).toHaveBeenCalledTimes(2);

    // That load followed a write within the backstop's reach, so past the backstop the keys are read once more.
    vi.spyOn(Date, 'now').mockReturnValue(Date.now() + 2 * KEY_CACHE_MAX_AGE_MS);
    await cache.find(made.key);
    await vi.waitFor(() => expect(loads).toHaveBeenCalledTimes(3));
    server.close();
    cli.close();
  });
});
