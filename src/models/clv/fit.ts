/** Fitting both models on a store as of a date, and the fitted result as it is printed, served and stored. */
import { z } from 'zod';
import type { Store } from '../../store/index.js';
import { fitBgNbd, type Frequency } from './bgnbd.js';
import type { ClvModel } from './clv.js';
import { fitGammaGamma } from './gamma-gamma.js';
import { lastDayBefore, spendOf, summaryNumbers, summaryRows, TIME_UNITS, type TimeUnit } from './summary.js';

const positive = z.number().positive();

function modelFitSchema<S extends Record<string, z.ZodNumber>>(params: S) {
  const errors = Object.fromEntries(Object.keys(params).map((k) => [k, z.number().nullable()])) as { [K in keyof S]: z.ZodNullable<z.ZodNumber> };
  return z.object({
    params: z.object(params),
    standard_errors: z.object(errors).describe('from the observed information at the optimum (BG/NBD: its analytic Hessian; Gamma-Gamma: differences of the gradient); null where it is not positive definite'),
    log_likelihood: z.number(),
    customers: z.number().int().describe('customers the model was fitted on'),
    iterations: z.number().int(),
    converged: z.boolean().describe('the optimizer stopped at a stationary point; read it with the warnings'),
    warnings: z.array(z.string()).describe('why the estimates should not be trusted as they stand: a parameter the data cannot pin down, too few repeat buyers'),
  });
}

/** A fit as printed, stored, and answered by `POST /v1/clv/fit`. */
export const clvFitSchema = z.object({
  as_of: z.string().describe('only events strictly before this instant were used'),
  calibration_end: z.string().describe('the last day of the calibration period, inclusive: T is counted to it'),
  unit: z.enum(TIME_UNITS),
  fitted_at: z.string(),
  bgnbd: modelFitSchema({ r: positive, alpha: positive, a: positive, b: positive }),
  gamma_gamma: modelFitSchema({ p: positive, q: positive, v: positive }),
});
export type ClvFit = z.infer<typeof clvFitSchema>;

/** One model's fit with parameters P, as `modelFit` builds it (the calibration check fits BG/NBD alone). */
export type ModelFit<P> = Omit<ClvFit['bgnbd'], 'params' | 'standard_errors'> & { params: P; standard_errors: { [K in keyof P]: number | null } };

function orNull<P extends object>(errors: P): { [K in keyof P]: number | null } {
  return Object.fromEntries(Object.entries(errors).map(([k, v]) => [k, Number.isFinite(v) ? (v as number) : null])) as { [K in keyof P]: number | null };
}

/**
 * Fewer customers with a repeat purchase than this and a fit gets a warning: only repeat purchases inform BG/NBD's
 * dropout (a, b) and Gamma-Gamma's spend. On customers simulated from the CDNOW estimates (a = 0.79, twelve seeds per
 * size), fits on about 100 repeat buyers put a anywhere from 0.085 to 1.6e9, 7 of 12 more than a factor of two off;
 * on about 200, from 0.15 to 11, 5 of 12 off (the standard-error warning catches 2 of them); on about 400, all 12
 * within a factor of two (0.49 to 1.4).
 */
export const MIN_REPEAT_BUYERS = 400;

export const repeatBuyers = (s: { x: Float64Array }): number => s.x.reduce((n, x) => n + (x > 0 ? 1 : 0), 0);

const shown = (v: number): string => String(+v.toPrecision(3));

/**
 * What makes a fit untrustworthy though the optimizer stopped: a parameter the data cannot pin down (no standard
 * error, or one larger than the estimate: the maximum lies towards 0 or infinity, the edges of its range), and too
 * few repeat buyers.
 */
function fitWarnings(params: object, errors: Record<string, number | null>, repeat: number): string[] {
  const warnings: string[] = [];
  if (repeat < MIN_REPEAT_BUYERS) {
    warnings.push(`only ${repeat} customers with a repeat purchase, fewer than ${MIN_REPEAT_BUYERS}: too few repeat histories to pin the estimates down`);
  }
  for (const [k, v] of Object.entries(params) as Array<[string, number]>) {
    const se = errors[k];
    if (se === null || se === undefined) {
      warnings.push(`${k} = ${shown(v)} has no standard error: the log-likelihood is flat there, so the fit runs along an edge of the parameter range rather than reaching a point`);
    } else if (se > v) {
      warnings.push(`${k} = ${shown(v)} ± ${shown(se)}: the standard error exceeds the estimate, so the data cannot tell ${k} from an edge of its range (0 or unbounded)`);
    }
  }
  return warnings;
}

/** A fit as printed and stored: snake_case, standard errors null where the information is not positive definite. */
export function modelFit<P extends object>(
  f: { params: P; standardErrors: P; logLikelihood: number; iterations: number; converged: boolean },
  data: { customers: number; repeatBuyers: number },
): ModelFit<P> {
  const standardErrors = orNull(f.standardErrors);
  return {
    params: f.params,
    standard_errors: standardErrors,
    log_likelihood: f.logLikelihood,
    customers: data.customers,
    iterations: f.iterations,
    converged: f.converged,
    warnings: fitWarnings(f.params, standardErrors, data.repeatBuyers),
  };
}

/** Fits BG/NBD on every customer of the summary and Gamma-Gamma on its repeat customers with a positive spend. */
export function fitSummary(summary: Frequency & { monetary: Float64Array }, asOf: string, unit: TimeUnit): ClvFit {
  const spend = spendOf(summary);
  return {
    as_of: asOf,
    calibration_end: lastDayBefore(asOf),
    unit,
    fitted_at: new Date().toISOString(),
    bgnbd: modelFit(fitBgNbd(summary), { customers: summary.x.length, repeatBuyers: repeatBuyers(summary) }),
    gamma_gamma: modelFit(fitGammaGamma(spend), { customers: spend.x.length, repeatBuyers: spend.x.length }),
  };
}

export async function fitClv(store: Store, asOf: string, unit: TimeUnit): Promise<ClvFit> {
  return fitSummary(await summaryNumbers(store, summaryRows(asOf, unit)), asOf, unit);
}

export function modelOf(fit: ClvFit): ClvModel {
  return { unit: fit.unit, bgnbd: fit.bgnbd.params, gammaGamma: fit.gamma_gamma.params };
}
