import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calibrationHoldout, customerSummaries, fitClv, type BgNbdParams } from '../../src/models/clv/index.js';
import { ingestEventBatch, MAX_BATCH_EVENTS, type EventInput, type Store } from '../../src/store/index.js';
import { memoryStore } from '../helpers.js';
import { expectSameEstimates } from './clv-reference.js';

/**
 * The CDNOW sample (test/fixtures/cdnow/README.md), imported as order events and fitted through Segmint's own summary:
 * the published BG/NBD estimates (Fader, Hardie & Lee 2005a, section 4) come back to three digits only
 * when the calibration period 1997-01-01..1997-09-30 counts its last day, which a run as of 1997-10-01 does.
 */
const PUBLISHED: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const PUBLISHED_LOG_LIKELIHOOD = -9582.4;
const AS_OF = '1997-10-01 00:00:00';

/** Sample id, purchase day (YYYY-MM-DD), CDs, dollars, one per record of the file. */
const records = readFileSync('test/fixtures/cdnow/CDNOW_sample.txt', 'utf8')
  .trim()
  .split('\n')
  .map((line) => {
    const [, id, date, cds, dollars] = line.trim().split(/\s+/) as [string, string, string, string, string];
    return { id, day: `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}`, cds: Number(cds), dollars: Number(dollars) };
  });

let store: Store;
beforeAll(async () => {
  store = await memoryStore();
  const events: EventInput[] = records.map((r, i) => ({
    id: `cdnow-${i + 1}`,
    type: 'order',
    ts: `${r.day}T00:00:00`,
    customer_id: r.id,
    product_id: 'cd',
    quantity: r.cds,
    unit_price: r.dollars / r.cds,
  }));
  for (let i = 0; i < events.length; i += MAX_BATCH_EVENTS) await ingestEventBatch(store, events.slice(i, i + MAX_BATCH_EVENTS));
});
afterAll(() => store.close());

const threeDigits = (v: number): number => Number(v.toPrecision(3));

describe('BG/NBD on the CDNOW sample', () => {
  it('summarises 2,357 customers on the literature calendar: T counted to 1997-09-30 inclusive', async () => {
    expect(records).toHaveLength(6919);
    const s = await customerSummaries(store, AS_OF, 'week');
    expect(s.customerIds).toHaveLength(2357);
    // 1,411 of them made no repeat purchase in the calibration period (the paper, section 4).
    expect(Array.from(s.x).filter((x) => x === 0)).toHaveLength(1411);
    // Customer 1 bought on Jan 1, Jan 18 and Aug 2 (and Dec 12, after the calibration): x = 2, t_x = 213 days,
    // T = 272 days, the first row of every published CDNOW summary (2, 30.43, 38.86).
    const first = s.customerIds.indexOf('0001');
    expect([s.x[first], s.tx[first]! * 7, s.T[first]! * 7]).toEqual([2, 213, 272]);
    expect(Math.max(...s.T)).toBe(272 / 7);
  });

  it('reproduces the published estimates to three digits and the log-likelihood, with no warning', async () => {
    const fit = await fitClv(store, AS_OF, 'week');
    expect(fit.calibration_end).toBe('1997-09-30');
    const ours = fit.bgnbd.params;
    expect({ r: threeDigits(ours.r), alpha: threeDigits(ours.alpha), a: threeDigits(ours.a), b: threeDigits(ours.b) }).toEqual({
      r: threeDigits(PUBLISHED.r),
      alpha: threeDigits(PUBLISHED.alpha),
      a: threeDigits(PUBLISHED.a),
      b: threeDigits(PUBLISHED.b),
    });
    expect(Number(fit.bgnbd.log_likelihood.toFixed(1))).toBe(PUBLISHED_LOG_LIKELIHOOD);
    expect(fit.bgnbd).toMatchObject({ customers: 2357, converged: true, warnings: [] });
    // The fit of main at 4d80094, before the rough start and Newton's first step (24 iterations, now 13).
    const recorded = { r: 0.24259452251419633, alpha: 4.413602023162473, a: 0.7929220164226949, b: 2.4259067718504226, logLikelihood: -9582.429206673936 };
    expectSameEstimates(fit.bgnbd, recorded, ['r', 'alpha', 'a', 'b']);
    // Gamma-Gamma on the 946 repeat buyers' mean repeat spend: p = 6.25, q = 3.74, v = 15.44 (Fader, Hardie & Lee
    // 2005b, "RFM and CLV"; Fader & Hardie 2013, "The Gamma-Gamma model of monetary value").
    const gg = fit.gamma_gamma.params;
    expect([gg.p, gg.q, gg.v].map(threeDigits)).toEqual([6.25, 3.74, 15.4]);
    expect(fit.gamma_gamma).toMatchObject({ customers: 946, converged: true, warnings: [] });
  });

  it('predicts the 39 holdout weeks 1997-10-01..1998-06-30 from the same calendar', async () => {
    const r = await calibrationHoldout(store, { until: AS_OF, holdoutUntil: '1998-07-01 00:00:00', unit: 'week' });
    expect([r.calibration_end, r.holdout_end, r.holdout.horizon]).toEqual(['1997-09-30', '1998-06-30', 39]);
    // Purchase days in the holdout, counted from the file: every sample customer was acquired in the calibration.
    const days = new Set(records.filter((x) => x.day >= '1997-10-01').map((x) => `${x.id} ${x.day}`));
    expect(r.holdout.actual_total).toBe(days.size);
    expect(r.holdout.customers).toBe(2357);
  });
});
