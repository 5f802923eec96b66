/** Fitting both models on a store as of a date, and the fitted result as it is printed, served and stored. */
import type { Store } from '../../store/index.js';
import { fitBgNbd, type BgNbdParams } from './bgnbd.js';
import type { ClvModel } from './clv.js';
import { fitGammaGamma, type GammaGammaParams } from './gamma-gamma.js';
import { customerSummaries, spendOf, type Summary, type TimeUnit } from './summary.js';

export interface ModelFit<P> {
  params: P;
  /** From the observed information (numerical Hessian at the optimum); null where it is not positive definite. */
  standard_errors: { [K in keyof P]: number | null };
  log_likelihood: number;
  /** Customers the model was fitted on. */
  customers: number;
  iterations: number;
  converged: boolean;
}

export interface ClvFit {
  /** Only events strictly before this date were used. */
  as_of: string;
  unit: TimeUnit;
  fitted_at: string;
  bgnbd: ModelFit<BgNbdParams>;
  gamma_gamma: ModelFit<GammaGammaParams>;
}

function orNull<P extends object>(errors: P): { [K in keyof P]: number | null } {
  return Object.fromEntries(Object.entries(errors).map(([k, v]) => [k, Number.isFinite(v) ? (v as number) : null])) as { [K in keyof P]: number | null };
}

/** A fit as printed and stored: snake_case, standard errors null where the information is not positive definite. */
export function modelFit<P extends object>(f: { params: P; standardErrors: P; logLikelihood: number; iterations: number; converged: boolean }, customers: number): ModelFit<P> {
  return { params: f.params, standard_errors: orNull(f.standardErrors), log_likelihood: f.logLikelihood, customers, iterations: f.iterations, converged: f.converged };
}

/** Fits BG/NBD on every customer of the summary and Gamma-Gamma on its repeat customers with a positive spend. */
export function fitSummary(summary: Summary, asOf: string, unit: TimeUnit): ClvFit {
  const spend = spendOf(summary);
  return {
    as_of: asOf,
    unit,
    fitted_at: new Date().toISOString(),
    bgnbd: modelFit(fitBgNbd(summary), summary.x.length),
    gamma_gamma: modelFit(fitGammaGamma(spend), spend.x.length),
  };
}

export async function fitClv(store: Store, asOf: string, unit: TimeUnit): Promise<ClvFit> {
  return fitSummary(await customerSummaries(store, asOf, unit), asOf, unit);
}

export function modelOf(fit: ClvFit): ClvModel {
  return { unit: fit.unit, bgnbd: fit.bgnbd.params, gammaGamma: fit.gamma_gamma.params };
}
