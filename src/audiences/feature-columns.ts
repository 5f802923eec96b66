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

  constructor(private size: number) {}

  /**
   * Rows of a store result by typed column (Store.vectors) with a `customer_id` column, row `r` into row `rows[r]` (the
   * customers' numbers in the view): one read, or several reads of parts of the customers in turn. Numbers are copied
   * from DuckDB's vectors into the view's arrays, texts held once: a value a customer read as a JavaScript value was
   * most of the build's garbage at 1M.
   */
  put(columns: Readonly<Record<string, Float64Array | ReadonlyArray<string | null>>>, rows: Int32Array): void {
    const need = rows.reduce((n, r) => Math.max(n, r + 1), 0);
    if (need > this.size) this.grow(Math.max(need, this.size + (this.size >> 3)));
    for (const [name, values] of Object.entries(columns)) {
      if (name === 'customer_id') continue;
      let column = this.columns.get(name);
      if (values instanceof Float64Array) {
        if (!column) this.columns.set(name, (column = new Float64Array(this.size).fill(NaN)));
        const to = column;
        if (to instanceof Float64Array) for (let r = 0; r < rows.length; r++) to[rows[r]!] = values[r]!;
        else for (let r = 0; r < rows.length; r++) to[rows[r]!] = Number.isNaN(values[r]!) ? null : values[r]!;
        continue;
      }
      if (!column) this.columns.set(name, (column = new Array<unknown>(this.size).fill(null)));
      else if (column instanceof Float64Array) this.columns.set(name, (column = asText(column)));
      const to = column;
      for (let r = 0; r < rows.length; r++) to[rows[r]!] = this.held(values[r]);
    }
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
        const text = asText(column);
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

/** A numeric column as a text column's values (a text value came where all were numbers or null). */
const asText = (column: Float64Array): unknown[] => Array.from(column, (v) => (Number.isNaN(v) ? null : v));
