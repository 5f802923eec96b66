import { describe, expect, it } from 'vitest';
import { modelFit } from '../../src/models/clv/fit.js';
import { MIN_REPEAT_BUYERS } from '../../src/models/clv/index.js';

/** A fit as the optimizer returns it: CDNOW-like estimates with standard errors well below them. */
const optimum = (errors: Partial<Record<'r' | 'alpha' | 'a' | 'b', number>> = {}) => ({
  params: { r: 0.243, alpha: 4.41, a: 0.793, b: 2.43 },
  standardErrors: { r: 0.013, alpha: 0.38, a: 0.185, b: 0.705, ...errors },
  logLikelihood: -9582.4,
  iterations: 20,
  converged: true,
});

describe('CLV fit warnings', () => {
  it('none for a converged fit on enough repeat buyers with every parameter pinned down', () => {
    expect(modelFit(optimum(), { customers: 2357, repeatBuyers: MIN_REPEAT_BUYERS }).warnings).toEqual([]);
  });

  it('say why when there are too few repeat buyers, and keep converged as the optimizer said', () => {
    const fit = modelFit(optimum(), { customers: 2357, repeatBuyers: MIN_REPEAT_BUYERS - 1 });
    expect(fit.converged).toBe(true);
    expect(fit.warnings).toEqual([`only ${MIN_REPEAT_BUYERS - 1} customers with a repeat purchase, fewer than ${MIN_REPEAT_BUYERS}: too few repeat histories to pin the estimates down`]);
  });

  it('name each parameter the data cannot pin down: no standard error, or one above the estimate', () => {
    const fit = modelFit(optimum({ a: NaN, b: 2.5 }), { customers: 2357, repeatBuyers: 946 });
    expect(fit.standard_errors).toMatchObject({ a: null, b: 2.5 });
    expect(fit.warnings).toEqual([
      'a = 0.793 has no standard error: the log-likelihood is flat there, so the fit runs along an edge of the parameter range rather than reaching a point',
      'b = 2.43 ± 2.5: the standard error exceeds the estimate, so the data cannot tell b from an edge of its range (0 or unbounded)',
    ]);
  });
});
