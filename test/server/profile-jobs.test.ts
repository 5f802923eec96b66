import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo, importDemoFiles } from '../../src/demo/index.js';
import { runPipeline } from '../../src/pipeline/index.js';
import { profileGroupsSchema, profileSchema, type ProfileGroups } from '../../src/profiles/index.js';
import { createKey, Workspaces } from '../../src/server/index.js';
import { profileJobSchema, type ProfileJob } from '../../src/server/profile-jobs.js';
import { sql } from '../../src/sql/index.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers.js';
import { request, serveForTest, stopServer } from './harness.js';

/**
 * Profiles of an audience over the API (a job, polled, its profiles paged) and the CLI (a JSONL file), and the groups
 * of the profiles by marketing brief, the same from both, over a demo shop (400 customers, one run).
 */
const dir = tempDir();
const db = join(dir.path, 'shop.duckdb');
const RUN = '2026-11-01 00:00:00';
let workspaces: Workspaces;
let app: FastifyInstance;
let base = '';
let key = '';
let readOnly = '';
let serving = true;
/** An audience of buyers with a hundred members or more, and its members. */
let audience = '';
let members: string[] = [];
/** A smaller audience for the CLI. */
let small = '';
let smallMembers: string[] = [];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function finished(id: string): Promise<ProfileJob> {
  for (;;) {
    const reply = await request(base, 'GET', `/v1/profile-jobs/${id}`, key);
    expect(reply.status, reply.text).toBe(200);
    const job = profileJobSchema.parse(reply.json);
    if (job.status !== 'running') return job;
    await sleep(100);
  }
}

beforeAll(async () => {
  const files = await generateDemo({ customers: 400, seed: 5, outDir: join(dir.path, 'demo') });
  workspaces = await Workspaces.open({ dbPath: db });
  await workspaces.use('default', async (s) => {
    await importDemoFiles(s, files);
    await runPipeline(s, RUN);
    const sizes = await s.all<{ id: string; size: number }>(sql`SELECT r.audience_id AS id, r.size FROM audience_runs r
      WHERE r.as_of = CAST(${RUN} AS TIMESTAMP) AND r.size BETWEEN 20 AND 200 ORDER BY r.size DESC, r.audience_id`);
    audience = sizes.find((a) => a.size >= 100 && a.id.startsWith('smart-'))!.id;
    small = sizes.find((a) => a.size <= 60)!.id;
    const membersOf = async (id: string) =>
      (await s.all<{ id: string }>(sql`SELECT customer_id AS id FROM memberships WHERE audience_id = ${id} AND as_of = CAST(${RUN} AS TIMESTAMP) ORDER BY 1`)).map((r) => r.id);
    members = await membersOf(audience);
    smallMembers = await membersOf(small);
  });
  key = (await createKey(workspaces.control, 'default', ['profiles:read'], 'test')).key;
  readOnly = (await createKey(workspaces.control, 'default', ['audiences:read'], 'test')).key;
  ({ app, base } = await serveForTest(workspaces));
}, 300_000);

afterAll(async () => {
  if (serving) await stopServer(app, workspaces, dir);
  else dir.cleanup();
});

describe('profile jobs', () => {
  it("makes a profile for every member of the audience, polled to the end, paged in customer order; a second job meanwhile is refused", async () => {
    const [started, second] = await Promise.all([
      request(base, 'POST', `/v1/audiences/${audience}/profiles`, key, {}),
      request(base, 'POST', `/v1/audiences/${audience}/profiles`, key, { refresh: true }),
    ]);
    expect(started.status, started.text).toBe(202);
    const job = profileJobSchema.parse(started.json);
    expect(job).toMatchObject({ audience, run: RUN, as_of: RUN, status: 'running', total: members.length });
    expect(second.status, second.text).toBe(409);
    expect(second.json.error.message).toBe(`profile job ${job.id} is still running in this workspace`);

    const done = await finished(job.id);
    expect(done).toMatchObject({ status: 'done', total: members.length, done: members.length, profiled: members.length, skipped: 0, error: null });
    expect(done.finished_at).not.toBeNull();

    const seen: string[] = [];
    for (let offset = 0; ; offset += 40) {
      const page = await request(base, 'GET', `/v1/profile-jobs/${job.id}/profiles?limit=40&offset=${offset}`, key);
      expect(page.status, page.text).toBe(200);
      expect(page.json.total).toBe(members.length);
      if (page.json.profiles.length === 0) break;
      for (const p of page.json.profiles) seen.push(profileSchema.parse(p).customer_id);
    }
    expect(seen).toEqual(members);
  });

  it('refuses an unknown audience (404), a bad body (400, naming the field), an unknown job (404) and a key without profiles:read (403)', async () => {
    const unknown = await request(base, 'POST', '/v1/audiences/no-such-audience/profiles', key, {});
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.message).toBe('no audience "no-such-audience"');
    const badSeed = await request(base, 'POST', `/v1/audiences/${audience}/profiles`, key, { seed: 'x' });
    expect(badSeed.status).toBe(400);
    expect(badSeed.json.error.message).toContain('seed');
    const badDate = await request(base, 'POST', `/v1/audiences/${audience}/profiles`, key, { as_of: 'someday' });
    expect(badDate.status).toBe(400);
    expect(badDate.json.error.message).toContain('as_of');
    const extra = await request(base, 'POST', `/v1/audiences/${audience}/profiles`, key, { refrsh: true });
    expect(extra.status).toBe(400);
    expect(extra.json.error.message).toContain('refrsh');
    expect((await request(base, 'GET', '/v1/profile-jobs/no-such-job', key)).status).toBe(404);
    expect((await request(base, 'GET', '/v1/profile-jobs/no-such-job/profiles', key)).status).toBe(404);
    expect((await request(base, 'POST', `/v1/audiences/${audience}/profiles`, readOnly, {})).status).toBe(403);
    expect((await request(base, 'GET', `/v1/audiences/${audience}/profile-groups`, readOnly)).status).toBe(403);
    expect((await request(base, 'GET', '/v1/audiences/no-such-audience/profile-groups', key)).status).toBe(404);
  });
});

describe('profile groups', () => {
  it('puts every profiled member in one of 3 or 4 groups of their own tone of voice and visual direction', async () => {
    const reply = await request(base, 'GET', `/v1/audiences/${audience}/profile-groups`, key);
    expect(reply.status, reply.text).toBe(200);
    const g: ProfileGroups = profileGroupsSchema.parse(reply.json);
    expect(g).toMatchObject({ audience, run: RUN, members: members.length, profiled: members.length });
    expect(g.groups.length).toBeGreaterThanOrEqual(3);
    expect(g.groups.length).toBeLessThanOrEqual(4);
    expect(g.groups.reduce((s, x) => s + x.size, 0)).toBe(members.length);
    expect(g.groups.map((x) => x.group)).toEqual(g.groups.map((_x, i) => i + 1));
    for (const x of g.groups) {
      expect(x.size).toBeGreaterThan(0);
      // Shared: the group's leading tone is held by most of its members.
      expect(x.tone_of_voice[0]!.share, JSON.stringify(x)).toBeGreaterThanOrEqual(0.5);
      expect(x.visual_direction.length).toBeGreaterThan(0);
      for (const c of x.customers) expect(members).toContain(c);
    }
    // The groups differ in tone: no two share the same leading tones.
    const tones = g.groups.map((x) => x.tone_of_voice.filter((t) => t.share >= 0.5).map((t) => t.value).join('+'));
    expect(new Set(tones).size, tones.join(' | ')).toBe(g.groups.length);
    // The same profiles give the same groups.
    expect((await request(base, 'GET', `/v1/audiences/${audience}/profile-groups`, key)).json).toEqual(reply.json);
  });

  it('answers the same groups from `segmint profiles --json` as from the API, and writes every profile to the file', async () => {
    const api = await request(base, 'GET', `/v1/audiences/${audience}/profile-groups`, key);
    serving = false;
    await app.close();
    await workspaces.close();
    const segmint = (...args: string[]) => runCli(['--db', db, ...args]);

    const kept = segmint('profiles', '--audience', audience, '--groups', '--json');
    expect(kept.stderr).toBe('');
    expect(kept.code).toBe(0);
    expect(JSON.parse(kept.stdout)).toEqual(api.json);

    const out = join(dir.path, 'small.jsonl');
    const made = segmint('profiles', '--audience', small, '--out', out, '--json', '--lanes', '2');
    expect(made.stderr).toBe('');
    expect(made.code).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines.map((l) => profileSchema.parse(JSON.parse(l)).customer_id)).toEqual(smallMembers);
    expect(JSON.parse(made.stdout)).toMatchObject({ audience: small, members: smallMembers.length, profiled: smallMembers.length });

    const neither = segmint('profiles', '--audience', small);
    expect(neither.code).toBe(2);
    expect(neither.stderr.trim()).toBe('segmint: give either --out FILE.jsonl (make the profiles, then group them) or --groups (group the kept ones)');
    const missing = segmint('profiles', '--audience', 'no-such-audience', '--groups');
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe('segmint: no audience "no-such-audience"');
    const unwritable = segmint('profiles', '--audience', small, '--out', join(dir.path, 'no', 'such', 'dir.jsonl'));
    expect(unwritable.code).toBe(2);
    expect(unwritable.stderr).toMatch(/^segmint: --out: cannot write .*dir\.jsonl: ENOENT/);
  });
});
