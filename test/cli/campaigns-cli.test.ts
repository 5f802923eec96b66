import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CAMPAIGNS } from '../../src/demo/storefront-campaigns.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers.js';

/** `segmint campaign`: a campaign from a JSON file, its status moves, and one-line errors naming the field or the file. */

const dir = tempDir();
const db = join(dir.path, 'cli.duckdb');
const file = (name: string, body: unknown) => {
  const path = join(dir.path, name);
  writeFileSync(path, typeof body === 'string' ? body : JSON.stringify(body));
  return path;
};

const segmint = (...args: string[]) => runCli(['--db', db, ...args]);

beforeAll(() => {
  const events = file('events.csv', 'id,type,ts,customer_id,product_id,order_id,quantity,unit_price\ne1,order,2026-10-01 10:00:00,c1,p1,o1,1,10\n');
  expect(segmint('import', events).code).toBe(0);
});
afterAll(() => dir.cleanup());

describe('segmint campaign', () => {
  const survey = DEMO_CAMPAIGNS.find((c) => c.type === 'form_survey')!;

  it('creates a draft from a file, activates, pauses and ends it, and lists and shows it as JSON', () => {
    const created = segmint('campaign', 'create', file('survey.json', survey), '--json');
    expect(created.stderr).toBe('');
    expect(JSON.parse(created.stdout)).toMatchObject({ id: 'cmp-cart-survey', status: 'draft', type: 'form_survey', consent: null });
    expect(segmint('campaign', 'activate', 'Cart survey').stdout).toBe('cmp-cart-survey: Cart survey (form_survey, active, priority 5)\n');
    const active = JSON.parse(segmint('campaign', 'list', '--status', 'active', '--json').stdout) as Array<{ id: string }>;
    expect(active.map((c) => c.id)).toEqual(['cmp-cart-survey']);
    expect(segmint('campaign', 'pause', 'cmp-cart-survey').code).toBe(0);
    expect(JSON.parse(segmint('campaign', 'show', 'cmp-cart-survey', '--json').stdout)).toMatchObject({ status: 'paused', content: { submit_label: 'Send' } });
    expect(segmint('campaign', 'end', 'cmp-cart-survey').code).toBe(0);
    const again = segmint('campaign', 'activate', 'cmp-cart-survey');
    expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 1, stderr: 'segmint: campaign "cmp-cart-survey" is ended: it cannot become active\n' });
  });

  it.each([
    ['an unknown audience', { ...survey, name: 'X', targeting: { audiences: { include: ['Nobody here'], exclude: [] } } }, 1, 'segmint: targeting.audiences.include[0]: no audience "Nobody here"\n'],
    ['a schedule ending before it starts', { ...survey, name: 'X', schedule: { start_at: '2026-12-02 00:00:00', end_at: '2026-12-01 00:00:00' } }, 1, 'segmint: schedule.end_at: ends (2026-12-01 00:00:00) before it starts (2026-12-02 00:00:00)\n'],
    ['a question without options', { ...survey, name: 'X', content: { headline: 'Q', questions: [{ id: 'q', label: 'Pick', kind: 'single_choice' }] } }, 1, 'segmint: content.questions.0.options: a single_choice question needs at least two options\n'],
  ])('refuses %s in one line naming the field', (_what, body, code, stderr) => {
    const r = segmint('campaign', 'create', file('bad.json', body));
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code, stderr });
  });

  it('refuses a file that is not JSON, naming the file, as a usage error', () => {
    const path = file('broken.json', '{"type": ');
    const r = segmint('campaign', 'create', path);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^segmint: ${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: not JSON: .+\n$`));
  });

  it("reports an experiment (none recorded yet: every arm at 0) and refuses a campaign without one, in one line", () => {
    const hero = DEMO_CAMPAIGNS.find((c) => c.type === 'hero_banner')!;
    expect(segmint('campaign', 'create', file('hero.json', hero)).code).toBe(0);
    const r = segmint('campaign', 'report', 'Autumn collection hero');
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')[0]).toBe('Autumn collection hero: 0 exposed, control holdout, conversion = order within 7 days');
    expect(r.stdout).toMatch(/^holdout +0 +0 +- +-$/m);
    const plain = segmint('campaign', 'report', 'cmp-cart-survey');
    expect({ code: plain.code, stderr: plain.stderr }).toEqual({ code: 1, stderr: 'segmint: campaign "cmp-cart-survey" runs no experiment: there are no arms to compare\n' });
  });

  it("sets, shows and reports an audience's standing holdout, and names a bad share", () => {
    const none = segmint('campaign', 'holdout-report', 'smart-active-loyals');
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^segmint: audience "smart-active-loyals" has no standing holdout/);
    expect(segmint('campaign', 'holdout', 'smart-active-loyals', '--share', '5').stdout).toBe('smart-active-loyals: 5% held out, orders counted for 30 days\n');
    expect(JSON.parse(segmint('campaign', 'holdout', 'smart-active-loyals', '--json').stdout)).toMatchObject({ audience_id: 'smart-active-loyals', share: 5, window_days: 30 });
    const report = JSON.parse(segmint('campaign', 'holdout-report', 'smart-active-loyals', '--json').stdout) as { subject: unknown; report: { control: string } };
    expect(report).toMatchObject({ subject: { kind: 'audience_holdout', id: 'smart-active-loyals' }, report: { control: 'holdout' } });
    const bad = segmint('campaign', 'holdout', 'smart-active-loyals', '--share', '80');
    expect({ code: bad.code, stderr: bad.stderr }).toEqual({ code: 1, stderr: 'segmint: share: Too big: expected number to be <=50\n' });
  });
});
