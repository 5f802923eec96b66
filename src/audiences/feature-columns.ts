import type { FeatureRow } from '../features/index.js';

/**
 * A feature table held column by column: a Float64Array per numeric feature (NaN standing for null, which no feature
 * computes) and an array per text feature. That is 8 bytes a value, where a row object of 36 features took about
 * 2 KB a customer (V8 keeps objects built key by key with that many properties as dictionaries). A customer's row is
 * put together only when they are evaluated.
 */
export class FeatureColumns {
  private constructor(
    readonly ids: readonly string[],
    private readonly numeric: ReadonlyArray<readonly [string, Float64Array]>,
    private readonly text: ReadonlyArray<readonly [string, ReadonlyArray<unknown>]>,
  ) {}

  /** From a store result by column (Store.columns) with a `customer_id` column. */
  static from(columns: Record<string, unknown[]>): FeatureColumns {
    const ids = (columns.customer_id ?? []).map(String);
    const numeric: Array<readonly [string, Float64Array]> = [];
    const text: Array<readonly [string, unknown[]]> = [];
    for (const [name, values] of Object.entries(columns)) {
      if (name === 'customer_id') continue;
      if (values.every((v) => v === null || typeof v === 'number')) numeric.push([name, Float64Array.from(values, (v) => v ?? NaN)]);
      else text.push([name, values]);
    }
    return new FeatureColumns(ids, numeric, text);
  }

  /** The features of row `i`, as the store's feature query gives them (null where the value is missing). */
  row(i: number): FeatureRow {
    const out: FeatureRow = { customer_id: this.ids[i] };
    for (const [name, column] of this.numeric) {
      const v = column[i]!;
      out[name] = Number.isNaN(v) ? null : v;
    }
    for (const [name, column] of this.text) out[name] = column[i] ?? null;
    return out;
  }
}
