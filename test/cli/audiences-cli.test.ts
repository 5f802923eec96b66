import { afterAll, describe, expect, it } from 'vitest';
import { CUSTOMER_BEHAVIORS } from '../../src/behaviors/index.js';
import { RFM_SEGMENTS, SMART_SEGMENTS } from '../../src/segments/index.js';
import { runCli } from '../helpers/cli.js';
import { copyDemoStore } from '../helpers/demo-store.js';
import { tempDir } from '../helpers.js';

const dir = tempDir();
// The demo shop: imported, run once, both customer clusterings fitted.
const { db } = copyDemoStore(dir.path);

const segmint = (...args: string[]) => runCli(['--db', db, ...args]);

afterAll(() => dir.cleanup());

describe('segmint audience commands', () => {
  it('runs two dates, lists audiences with rule text, sizes and flags, and shows members with reasons', () => {
    expect(segmint('run', '--as-of', '2026-05-01', '--json').code).toBe(0);
    const run = segmint('run', '--json').json() as { as_of: string; audiences: Array<{ name: string; size: number }> };
    expect(run.as_of).toBe('2026-11-01 00:00:00');
    const list = segmint('audiences', '--json').json() as Array<{ id: string; kind: string; active: boolean; definition_text: string; size: number; flags: unknown[] }>;
    // The built-ins (smart segments, RFM groups, suggested behaviors), and the clusters of the two clusterings the demo fitted (at least 2 each), which runs refit.
    // A refit that moves a cluster far from where it was (six months back, here) names it afresh; the old one stays in
    // the store, inactive, with its history, and out of the listing.
    const clusters = list.filter((a) => a.kind === 'cluster' && a.active).length;
    expect(clusters).toBeGreaterThanOrEqual(4);
    expect(list.filter((a) => a.kind === 'cluster')).toHaveLength(clusters);
    expect(run.audiences.length).toBe(SMART_SEGMENTS.length + RFM_SEGMENTS.length + CUSTOMER_BEHAVIORS.length + clusters);
    expect(list.filter((a) => a.kind === 'behavior').map((a) => a.id)).toEqual(CUSTOMER_BEHAVIORS.map((b) => `behavior-${b.id}`));
    const loyals = list.find((a) => a.id === 'smart-active-loyals')!;
    // The smart segment shows as plain rule text with the store's own numbers filled in.
    expect(loyals.definition_text).toMatch(/^orders >= \d+ and recency_days <= \d+$/);
    expect(list.filter((a) => a.kind === 'rfm')).toHaveLength(11);
    const page = segmint('members', 'smart-active-loyals', '--limit', '5', '--json').json() as { total: number; members: Array<{ customer_id: string; score: number; reasons: string }> };
    const members = page.members;
    expect(members).toHaveLength(5);
    expect(page.total).toBe(loyals.size);
    expect(members[0]!.reasons).toMatch(/^orders >= \d+ \[\d+\]; recency_days <= \d+ \[\d+\]$/);
  });

  it('creates a rule audience, copies a smart segment, and explains a customer', () => {
    const created = segmint('audience', 'create', '--name', 'Mobile shoe fans', '--rule', 'count(order where category = "shoes" and device = "mobile") >= 1', '--json');
    expect(created.stderr).toBe('');
    expect(created.json()).toMatchObject({ id: 'mobile-shoe-fans', kind: 'rule' });
    const copy = segmint('audience', 'create', '--name', 'My loyals', '--copy-of', 'Active Loyals', '--json').json() as { definition: { text: string } };
    expect(copy.definition.text).toMatch(/^orders >= \d+ and recency_days <= \d+$/);
    segmint('run', '--json');
    const member = (segmint('members', 'My loyals', '--limit', '1', '--json').json() as { members: Array<{ customer_id: string }> }).members[0]!;
    const explained = segmint('explain', member.customer_id, '--audience', 'Active Loyals', '--json').json() as { audiences: Array<{ member: boolean; clauses: Array<{ held: boolean }> }> };
    expect(explained.audiences[0]!.member).toBe(true);
    expect(explained.audiences[0]!.clauses.every((c) => c.held)).toBe(true);
  });

  it('shows movement and overlap', () => {
    const m = segmint('movement', '--from', '2026-05-01', '--to', '2026-11-01', '--kind', 'rfm', '--json').json() as { labels: string[]; matrix: number[][] };
    expect(m.labels).toHaveLength(12);
    expect(m.matrix.flat().reduce((s, x) => s + x, 0)).toBeGreaterThan(0);
    const o = segmint('overlap', 'Active Loyals', 'My loyals', '--json').json() as { pairs: Array<{ jaccard: number }> };
    expect(o.pairs[0]!.jaccard).toBe(1);
    const flagged = (segmint('audiences', '--json').json() as Array<{ id: string; flags: Array<{ flag: string }> }>).find((a) => a.id === 'my-loyals')!;
    expect(flagged.flags.map((f) => f.flag)).toContain('near_duplicate');
  });

  it('classifies customers as of the latest run (the demo ends before today), as that run stored them', () => {
    for (const customer of ['C001', 'C002', 'C003', 'C004', 'C005']) {
      const classified = segmint('classify', customer, '--json').json() as { as_of: string; audiences: Array<{ id: string }> };
      const explained = segmint('explain', customer, '--json').json() as { as_of: string; audiences: Array<{ id: string; member: boolean }> };
      expect(classified.as_of).toBe('2026-11-01 00:00:00');
      expect(classified.audiences.map((a) => a.id).sort(), customer).toEqual(explained.audiences.filter((a) => a.member).map((a) => a.id).sort());
    }
  });

  it('names the option a bad date came from', () => {
    for (const [flag, args] of [
      ['--as-of', ['classify', 'C001', '--as-of', 'someday']],
      ['--until', ['clv', 'fit', '--until', 'someday']],
      ['--from', ['movement', '--from', 'someday', '--to', '2026-11-01']],
    ] as const) {
      const r = segmint(...args, '--json');
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`segmint: ${flag}: "someday" is not a date (expected YYYY-MM-DD or an ISO timestamp)\n`);
    }
  });

  it('names the option a value outside its choices came from, and every value it takes', () => {
    for (const [message, args] of [
      ['--active: "yes" is not one of true, false', ['audience', 'update', 'Active Loyals', '--active', 'yes']],
      ['--unit: "month" is not one of day, week', ['clv', 'fit', '--unit', 'month']],
      ['--discount-per: "decade" is not one of month, year', ['clv', 'C001', '--discount-per', 'decade']],
    ] as const) {
      const r = segmint(...args);
      expect([r.code, r.stdout, r.stderr]).toEqual([2, '', `segmint: ${message}\n`]);
    }
  });

  it('reports rule errors with their position, on one line, with a non-zero code', () => {
    const r = segmint('audience', 'create', '--name', 'bad', '--rule', 'orders >= ', '--json');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^segmint: at 1:\d+: expected .* found end of input\n$/);
    const m = segmint('movement', '--from', '2020-01-01', '--to', '2026-11-01', '--json');
    expect(m.stderr).toMatch(/no stored run as of 2020-01-01/);
  });

  it('fits the behavioral clusters on every buyer, and says so, when too few have the orders to show a habit', () => {
    const r = segmint('clusters', '--method', 'behavior', '--json');
    expect(r.code).toBe(0);
    const report = r.json() as { customers: number; k_reason: string; clusters: Array<{ size: number }> };
    expect(report.k_reason).toMatch(/fitted on every buyer: only \d+ have 3 orders or more \(500 needed\)/);
    expect(report.clusters.reduce((s, c) => s + c.size, 0)).toBe(report.customers);
  });

  it('shows the kept clustering without refitting, and a refit with another k leaves no empty cluster audience listed', () => {
    type Report = { k: number; clusters: Array<{ id: string; name: string; size: number; warnings: string[] }> };
    const fitted = segmint('clusters', '--method', 'rfm', '--json').json() as Report;
    const stored = () => segmint('clusters', 'show', '--method', 'rfm', '--json');
    const shown = stored();
    expect(shown.code).toBe(0);
    expect(shown.json()).toEqual(fitted);
    // The text form: the table, then each plain name's warnings.
    const text = segmint('clusters', 'show').stdout;
    expect(text).toMatch(/^rfm clustering of [\d,]+ buyers as of 2026-11-01 00:00:00: k = \d+/);
    for (const c of fitted.clusters) expect(text).toContain(c.id);
    for (const c of fitted.clusters) for (const w of c.warnings) expect(text).toContain(`warning: ${c.name}: ${w}`);

    const other = fitted.k === 2 ? 4 : 2;
    const refit = segmint('clusters', '--method', 'rfm', '--k', String(other), '--json').json() as Report;
    expect(refit.k).toBe(other);
    // What the refit left, not a fit of its own (which would choose k again).
    expect(stored().json()).toEqual(refit);
    const listed = (segmint('audiences', '--json').json() as Array<{ id: string; kind: string; definition_text: string; size: number | null }>).filter(
      (a) => a.kind === 'cluster' && a.definition_text === 'nearest centroid of the rfm clustering',
    );
    expect(listed.map((a) => a.id).sort()).toEqual(refit.clusters.map((c) => c.id).sort());
    for (const a of listed) expect(a.size, a.id).toBeGreaterThan(0);

    const none = segmint('clusters', 'show', '--entity', 'products');
    expect([none.code, none.stdout, none.stderr]).toEqual([1, '', 'segmint: no product clustering yet: fit one with `segmint clusters --entity products`\n']);
    expect(segmint('clusters', 'show', '--method', 'astrology').code).toBe(2);
  });
});
