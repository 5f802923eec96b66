import type { FeatureRow } from '../features/index.js';

/**
 * Every customer's features held column by column, a row a customer number of the view: a Float64Array per numeric
 * feature (NaN standing for null, which no feature computes) and an array per text feature, whose values are held
 * once (a category's name, not a string a customer). That is 8 bytes a value, where a row object of 36 features took
 * about 2 KB a customer (V8 keeps objects built key by key with that many properties as dictionaries). Features a
 * customer's events changed are written into their row; a customer's row object is put together only when they are
 * evaluated.
 */
export class FeatureColumns {
  private readonly columns = new Map<string, Float64Array | unknown[]>();
  private readonly texts = new Map<string, string>();

  private constructor(private size: number) {}

  /**
   * From a store result by column (Store.columns) with a `customer_id` column, row `r` into row `rows[r]` of `size`
   * rows (the customers' numbers in the view).
   */
  static from(columns: Record<string, unknown[]>, rows: Int32Array, size: number): FeatureColumns {
    const features = new FeatureColumns(size);
    for (const [name, values] of Object.entries(columns)) {
      if (name === 'customer_id') continue;
      if (values.every((v) => v === null || typeof v === 'number')) {
        const column = new Float64Array(size).fill(NaN);
        values.forEach((v, r) => (column[rows[r]!] = v ?? NaN));
        features.columns.set(name, column);
      } else {
        const column = new Array<unknown>(size).fill(null);
        values.forEach((v, r) => (column[rows[r]!] = features.held(v)));
        features.columns.set(name, column);
      }
    }
    return features;
  }

  /** The features of row `i` as the store's feature query gives them (null where the value is missing), for customer `id`. */
  row(i: number, id: string): FeatureRow {
    const out: FeatureRow = { customer_id: id };
    for (const [name, column] of this.columns) {
      const v = column[i];
      out[name] = v === undefined || (typeof v === 'number' && Number.isNaN(v)) ? null : v;
    }
    return out;
  }

  /**
   * Writes a customer's features (a feature query's row) into row `i`; a feature it lacks reads as null, except the
   * features in `keep`, whose values in row `i` stay as they are.
   */
  set(i: number, row: FeatureRow, keep?: ReadonlySet<string>): void {
    if (i >= this.size) this.grow(Math.max(i + 1, this.size + (this.size >> 3), 1024));
    for (const name of Object.keys(row)) if (name !== 'customer_id' && !this.columns.has(name)) this.columns.set(name, new Float64Array(this.size).fill(NaN));
    for (const [name, column] of this.columns) {
      if (keep?.has(name)) continue;
      const value = row[name] ?? null;
      if (!(column instanceof Float64Array)) column[i] = this.held(value);
      else if (value === null || typeof value === 'number') column[i] = value ?? NaN;
      // A text value in a column whose values were all numbers or null (no customer had one at the build).
      else {
        const text: unknown[] = Array.from(column, (v) => (Number.isNaN(v) ? null : v));
        text[i] = this.held(value);
        this.columns.set(name, text);
      }
    }
  }

  private grow(size: number): void {
    for (const [name, column] of this.columns) {
      if (!(column instanceof Float64Array)) continue;
      const out = new Float64Array(size).fill(NaN);
      out.set(column);
      this.columns.set(name, out);
    }
    this.size = size;
  }

  /** A text value as the one string held for it. */
  private held(value: unknown): unknown {
    if (typeof value !== 'string') return value;
    let held = this.texts.get(value);
    if (held === undefined) this.texts.set(value, (held = value));
    return held;
  }
}
