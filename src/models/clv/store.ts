/** The latest fit, kept in the store's settings table so that scoring a customer never has to refit. */
import { SegmintError } from '../../shared/errors.js';
import { ident, sql, upsertInto } from '../../sql/index.js';
import type { Store } from '../../store/index.js';
import { clvFitSchema, type ClvFit } from './fit.js';

const SETTING = 'clv_model';

/** Scoring asked for before any fit: a state the caller can fix (run a fit), not a bad request. */
export class NoModelError extends SegmintError {
  constructor(message = 'no CLV model has been fitted in this store yet: run `segmint clv fit` (or POST /v1/clv/fit) first') {
    super('no_model', message);
  }
}

export async function saveClvFit(store: Store, fit: ClvFit): Promise<void> {
  await store.run(sql`${upsertInto(ident('settings'))} VALUES (${SETTING}, ${JSON.stringify(fit)})`);
}

export async function loadClvFit(store: Store): Promise<ClvFit> {
  const row = await store.one<{ value: string }>(sql`SELECT value FROM settings WHERE key = ${SETTING}`);
  if (!row) throw new NoModelError();
  const parsed = clvFitSchema.safeParse(JSON.parse(row.value));
  if (!parsed.success) throw new NoModelError(`the stored CLV model is unreadable (${parsed.error.issues[0]?.message ?? 'invalid'}): run \`segmint clv fit\` again`);
  return parsed.data;
}
