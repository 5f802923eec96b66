import type { FeatureRow } from '../features/index.js';

/** A feature's values, a row a customer number: numbers (NaN standing for null), or any values once a text came. */
type Values = Float64Array | unknown[];

/**
 * Every customer's features held column by column, a row a customer number of the view: a Float64Array per numeric
 * feature (NaN standing for null, which no feature computes) and an array per text feature, whose values are held
 * once (a category's name, not a string a customer). That is 8 bytes a value, where a row object of 36 features took
 * about 2 KB a customer (V8 keeps objects built key by key with that many properties as dictionaries). Features a
 * customer's events changed are written into their row; a customer's row object is put together only when they are
 * evaluated.
 */
export class FeatureColumns {
  /** The columns in the order they came, and each one's place there by name. */
  private readonly columns: Values[] = [];
  private readonly names: string[] = [];
  private readonly places = new Map<string, number>();
  private readonly texts = new Map<string, string>();
  /**
   * The names of the last row `set` wrote, in its order, and their columns' places: the rows of a turn have one shape
   * (liveFeatures copies one template), so a name is matched to its column by one comparison with the name at the same
   * position there, not a Map lookup a feature (a row written by name was 8% of the server's CPU at 1M).
   */
  private lastNames: string[] = [];
  private lastPlaces: number[] = [];
  /** Which columns a `keep` set keeps, for the last such set seen (refresh passes the same one every turn). */
  private keepOf: { keep: ReadonlySet<string> | undefined; kept: Uint8Array } = { keep: undefined, kept: new Uint8Array(0) };
  /** Columns a row of `set` wrote: the mark of the call that wrote each last. */
  private written = new Uint32Array(0);
  private call = 0;

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
      if (values instanceof Float64Array) {
        const to = this.columns[this.place(name, true)]!;
        if (to instanceof Float64Array) for (let r = 0; r < rows.length; r++) to[rows[r]!] = values[r]!;
        else for (let r = 0; r < rows.length; r++) to[rows[r]!] = Number.isNaN(values[r]!) ? null : values[r]!;
        continue;
      }
      const to = this.textColumn(this.place(name, false));
      for (let r = 0; r < rows.length; r++) to[rows[r]!] = this.held(values[r]);
    }
  }

  /** The features of row `i` as the store's feature query gives them (null where the value is missing), for customer `id`. */
  row(i: number, id: string): FeatureRow {
    const out: FeatureRow = { customer_id: id };
    for (let c = 0; c < this.columns.length; c++) {
      const v = this.columns[c]![i];
      out[this.names[c]!] = v === undefined || (typeof v === 'number' && Number.isNaN(v)) ? null : v;
    }
    return out;
  }

  /**
   * Writes a customer's features (a feature query's row) into row `i`; a feature it lacks reads as null, except the
   * features in `keep`, whose values in row `i` stay as they are.
   */
  set(i: number, row: FeatureRow, keep?: ReadonlySet<string>): void {
    if (i >= this.size) this.grow(Math.max(i + 1, this.size + (this.size >> 3), 1024));
    const mark = ++this.call;
    let kept = this.kept(keep);
    let k = 0;
    let wrote = 0;
    // for-in over a row of one shape reads each value by its field's offset (V8's enum cache), not by a keyed lookup.
    for (const name in row) {
      if (name === 'customer_id') continue;
      let c: number;
      if (this.lastNames[k] === name) c = this.lastPlaces[k]!;
      else {
        c = this.place(name, true);
        kept = this.kept(keep);
        this.lastNames[k] = name;
        this.lastPlaces[k] = c;
      }
      k++;
      this.written[c] = mark;
      wrote++;
      if (kept[c] === 0) this.write(c, i, row[name] ?? null);
    }
    this.lastNames.length = k;
    this.lastPlaces.length = k;
    if (wrote < this.columns.length) {
      for (let c = 0; c < this.columns.length; c++) if (this.written[c] !== mark && kept[c] === 0) this.write(c, i, null);
    }
  }

  private write(c: number, i: number, value: unknown): void {
    const column = this.columns[c]!;
    if (!(column instanceof Float64Array)) column[i] = this.held(value);
    else if (value === null || typeof value === 'number') column[i] = value ?? NaN;
    // A text value in a column whose values were all numbers or null (no customer had one at the build).
    else this.textColumn(c)[i] = this.held(value);
  }

  /** Which columns `keep` keeps, by place (1 for kept). */
  private kept(keep: ReadonlySet<string> | undefined): Uint8Array {
    if (this.keepOf.keep !== keep || this.keepOf.kept.length !== this.columns.length) {
      this.keepOf = { keep, kept: Uint8Array.from(this.names, (name) => (keep?.has(name) ? 1 : 0)) };
    }
    return this.keepOf.kept;
  }

  /** The place of the column of feature `name`, made (numeric or text, all null) when new. */
  private place(name: string, numeric: boolean): number {
    let c = this.places.get(name);
    if (c === undefined) {
      c = this.columns.length;
      this.columns.push(numeric ? new Float64Array(this.size).fill(NaN) : new Array<unknown>(this.size).fill(null));
      this.names.push(name);
      this.places.set(name, c);
      const written = new Uint32Array(c + 1);
      written.set(this.written);
      this.written = written;
    }
    return c;
  }

  /** Column `c` as one that holds text, converted from numbers if need be. */
  private textColumn(c: number): unknown[] {
    const column = this.columns[c]!;
    if (!(column instanceof Float64Array)) return column;
    const text = asText(column);
    this.columns[c] = text;
    return text;
  }

  private grow(size: number): void {
    for (let c = 0; c < this.columns.length; c++) {
      const column = this.columns[c]!;
      if (!(column instanceof Float64Array)) continue;
      const out = new Float64Array(size).fill(NaN);
      out.set(column);
      this.columns[c] = out;
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
