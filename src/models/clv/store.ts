/** The latest fit, kept in the store's settings table so that scoring a customer never has to refit. */
import { z } from 'zod';
import { SegmintError } from '../../shared/errors.js';
import { sql } from '../../sql/index.js';
import type { Store } from '../../store/index.js';
import type { ClvFit } from './fit.js';
import { TIME_UNITS } from './summary.js';

const SETTING = 'clv_model';

/** Scoring asked for before any fit: a state the caller can fix (run a fit), not a bad request. */
export class NoModelError extends SegmintError {
  constructor(message = 'no CLV model has been fitted in this store yet: run `segmint clv fit` (or POST /v1/clv/fit) first') {
    super('no_model', message);
  }
}

const positive = z.number().positive();
const fitOf = <S extends z.ZodRawShape>(params: S) =>
  z.object({
    params: z.object(params),
    standard_errors: z.object(Object.fromEntries(Object.keys(params).map((k) => [k, z.number().nullable()]))),
    log_likelihood: z.number(),
    customers: z.number().int(),
    iterations: z.number().int(),
    converged: z.boolean().describe('the optimizer stopped at a stationary point; read it with the warnings'),
    warnings: z.array(z.string()).describe('why the estimates should not be trusted as they stand: a parameter the data cannot pin down, too few repeat buyers'),
  });

/** A fit as stored, and as `POST /v1/clv/fit` answers it. */
export const clvFitSchema = z.object({
  as_of: z.string().describe('only events strictly before this instant were used'),
  calibration_end: z.string().describe('the last day of the calibration period, inclusive: T is counted to it'),
  unit: z.enum(TIME_UNITS),
  fitted_at: z.string(),
  bgnbd: fitOf({ r: positive, alpha: positive, a: positive, b: positive }),
  gamma_gamma: fitOf({ p: positive, q: positive, v: positive }),
});

export async function saveClvFit(store: Store, fit: ClvFit): Promise<void> {
  await store.run(sql`INSERT OR REPLACE INTO settings VALUES (${SETTING}, ${JSON.stringify(fit)})`);
}

export async function loadClvFit(store: Store): Promise<ClvFit> {
  const row = await store.one<{ value: string }>(sql`SELECT value FROM settings WHERE key = ${SETTING}`);
  if (!row) throw new NoModelError();
  const parsed = clvFitSchema.safeParse(JSON.parse(row.value));
  if (!parsed.success) throw new NoModelError(`the stored CLV model is unreadable (${parsed.error.issues[0]?.message ?? 'invalid'}): run \`segmint clv fit\` again`);
  return parsed.data as ClvFit;
}
