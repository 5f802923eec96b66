import { describe, expect, it } from 'vitest';
import { expectedOrders, expectedSpend, monthlyRate, MONTH_DAYS, pAlive, scoreCustomers, type ClvModel } from '../../src/models/clv/index.js';

const MODEL: ClvModel = { unit: 'week', bgnbd: { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }, gammaGamma: { p: 6.25, q: 3.74, v: 15.44 } };
// Customers 0 and 1 share (x, T) but not t_x; customer 3 has repeats but no known spend.
const DATA = {
  x: Float64Array.of(2, 2, 0, 5, 12),
  tx: Float64Array.of(30.43, 5, 0, 20, 40),
  T: Float64Array.of(38.86, 38.86, 10, 52, 41),
  monetary: Float64Array.of(35, 35, NaN, NaN, 21.5),
};

describe('CLV scores', () => {
  it('without discounting are expected spend times expected purchases over the horizon', () => {
    const s = scoreCustomers(MODEL, DATA, { ordersDays: 90, clvDays: 365, discount: { rate: 0, per: 'year' } });
    for (let i = 0; i < DATA.x.length; i++) {
      const [x, tx, T] = [DATA.x[i]!, DATA.tx[i]!, DATA.T[i]!];
      const spend = expectedSpend(MODEL.gammaGamma, Number.isNaN(DATA.monetary[i]) ? 0 : x, Number.isNaN(DATA.monetary[i]) ? 0 : DATA.monetary[i]!);
      expect(s.pAlive[i]).toBe(pAlive(MODEL.bgnbd, x, tx, T));
      expect(s.expectedOrders[i]! / expectedOrders(MODEL.bgnbd, x, tx, T, 90 / 7)).toBeCloseTo(1, 12);
      expect(s.expectedSpend[i]).toBe(spend);
      expect(s.clv[i]! / (spend * expectedOrders(MODEL.bgnbd, x, tx, T, 365 / 7))).toBeCloseTo(1, 12);
    }
    expect(s.pAlive[0]).not.toBe(s.pAlive[1]);
  });

  it('discounts each month of purchases at the monthly rate, a yearly rate compounding monthly', () => {
    expect((1 + monthlyRate({ rate: 0.1, per: 'year' })) ** 12).toBeCloseTo(1.1, 14);
    const month = MONTH_DAYS / 7;
    // 100 days: three whole months and a 0.287 part-month discounted by its fraction.
    const s = scoreCustomers(MODEL, DATA, { clvDays: 100, discount: { rate: 0.02, per: 'month' } });
    const ends = [month, 2 * month, 3 * month, 100 / 7];
    for (let i = 0; i < DATA.x.length; i++) {
      const at = (t: number): number => expectedOrders(MODEL.bgnbd, DATA.x[i]!, DATA.tx[i]!, DATA.T[i]!, t);
      const discounted = ends.reduce((sum, t, k) => sum + (at(t) - (k === 0 ? 0 : at(ends[k - 1]!))) / 1.02 ** (t / month), 0);
      expect(s.clv[i]! / (s.expectedSpend[i]! * discounted)).toBeCloseTo(1, 12);
    }
    expect(() => scoreCustomers(MODEL, DATA, { discount: { rate: -0.1, per: 'year' } })).toThrow(/discount rate/);
  });

  it('does not depend on the unit the model was fitted in', () => {
    // The same customers and model in days: alpha and every time scale by 7.
    const days: ClvModel = { ...MODEL, unit: 'day', bgnbd: { ...MODEL.bgnbd, alpha: MODEL.bgnbd.alpha * 7 } };
    const inDays = { ...DATA, tx: DATA.tx.map((t) => t * 7), T: DATA.T.map((t) => t * 7) };
    const [w, d] = [scoreCustomers(MODEL, DATA), scoreCustomers(days, inDays)];
    for (let i = 0; i < DATA.x.length; i++) {
      expect(d.pAlive[i]).toBeCloseTo(w.pAlive[i]!, 12);
      expect(d.expectedOrders[i]! / w.expectedOrders[i]!).toBeCloseTo(1, 10);
      expect(d.clv[i]! / w.clv[i]!).toBeCloseTo(1, 10);
    }
  });
});
