import { castTo, epochMs, ident, join, sql, type Sql } from '../sql/index.js';
import { CONSENT_CHANNELS, consentColumns, ENTITY_COLUMNS, type Row, type Store } from '../store/index.js';
import { CODES, Column, Vocabulary } from './columns.js';
import { idFilter, type CustomerSet } from './customer-context.js';

/** A value as `fetch` reads it: a number (a boolean as 1 or 0, an instant as epoch milliseconds; NaN for none), or text. */
type Fetched = number | string | null;

/** One customers column held for every customer number of the view. */
interface Field {
  get(i: number): unknown;
  set(i: number, value: Fetched): void;
  /** Room for `size` customers. */
  grow(size: number): void;
}

/** A boolean in a byte (-1 for none). */
class Flags implements Field {
  private values: Int8Array;
  constructor(size: number) {
    this.values = new Int8Array(size).fill(-1);
  }
  get(i: number): boolean | null {
    const v = this.values[i]!;
    return v < 0 ? null : v === 1;
  }
  set(i: number, value: Fetched): void {
    this.values[i] = typeof value !== 'number' || Number.isNaN(value) ? -1 : value ? 1 : 0;
  }
  grow(size: number): void {
    const out = new Int8Array(size).fill(-1);
    out.set(this.values);
    this.values = out;
  }
}

/** An instant as epoch milliseconds (NaN for none), read back as the Date the store gives. */
class Times implements Field {
  private values: Float64Array;
  constructor(size: number) {
    this.values = new Float64Array(size).fill(NaN);
  }
  get(i: number): Date | null {
    const v = this.values[i]!;
    return Number.isNaN(v) ? null : new Date(v);
  }
  set(i: number, value: Fetched): void {
    this.values[i] = typeof value === 'number' ? value : NaN;
  }
  grow(size: number): void {
    const out = new Float64Array(size).fill(NaN);
    out.set(this.values);
    this.values = out;
  }
}

/** Text (JSON as its text) as a vocabulary code: a country, or attributes many customers share, is held once. */
class Texts implements Field {
  private readonly vocabulary = new Vocabulary();
  private readonly codes: Column;
  constructor(size: number) {
    this.codes = new Column(CODES, size);
  }
  get(i: number): string | null {
    return this.vocabulary.at(this.codes.get(i));
  }
  set(i: number, value: Fetched): void {
    this.codes.set(i, this.vocabulary.of(typeof value === 'string' ? value : null));
  }
  grow(size: number): void {
    this.codes.grow(size);
  }
}

const epochOf = (at: unknown): number | null => (at instanceof Date ? at.getTime() : null);

/** Fetched columns: numbers as Float64Array, texts as strings (Store.vectors). */
type FetchedColumns = Readonly<Record<string, Float64Array | ReadonlyArray<string | null>>>;

const TYPES = new Map(ENTITY_COLUMNS.customers.map((c) => [c.name, c.type]));
/**
 * How a held column of each type is read (`fetch`) and kept: booleans and instants as numbers (NaN for null), which a
 * build reads by typed vector, every other type as text.
 */
interface Held {
  read: (column: Sql) => Sql;
  make: (size: number) => Field;
  numeric: boolean;
}
const AS_TEXT: Held = { read: (c) => c, make: (size) => new Texts(size), numeric: false };
const HELD: Readonly<Record<string, Held>> = {
  boolean: { read: (c) => castTo(c, 'DOUBLE'), make: (size) => new Flags(size), numeric: true },
  timestamp: { read: epochMs, make: (size) => new Times(size), numeric: true },
  json: { ...AS_TEXT, read: (c) => sql`CAST(${c} AS VARCHAR)` },
};
const heldAs = (name: string): Held => HELD[TYPES.get(name) ?? ''] ?? AS_TEXT;

/**
 * Held whatever the rules read: the consent columns, which decide reads of every signed-in visitor
 * (campaigns/visitor-facts.ts), and created_at, which the live features read (tenure_days).
 */
const ALWAYS_HELD = [...CONSENT_CHANNELS.map((c) => consentColumns(c).value), 'created_at'];

/**
 * The customers columns the view needs, held by column for every customer number of the view instead of a row object
 * a customer: the consent values (decide reads them), created_at (the live features) and the columns the active rules read (`customer.country`;
 * `attributes` for `customer.attributes.<key>`, as JSON text). Booleans take a byte, instants eight, text a
 * vocabulary code (one to four bytes). Rules that read another column need a new build (`covers`).
 *
 * A customer without a customers row (known from events alone) reads as an empty row, as the store's row lookup
 * gives them.
 */
export class CustomerFields {
  private readonly fields: ReadonlyArray<readonly [string, Field]>;
  private present: Uint8Array;

  constructor(
    /** The columns held, beside the consent values. */
    read: ReadonlySet<string>,
    size: number,
  ) {
    const names = [...new Set([...ALWAYS_HELD, ...read])].filter((name) => TYPES.has(name) && name !== 'id');
    this.fields = names.map((name) => [name, heldAs(name).make(size)] as const);
    this.present = new Uint8Array(size);
  }

  /** Whether rules reading these columns are evaluated from what is held. */
  covers(read: ReadonlySet<string>): boolean {
    const held = new Set(this.fields.map(([name]) => name));
    return [...read].every((name) => held.has(name) || !TYPES.has(name));
  }

  /**
   * These customers' rows of the held columns, by typed column as the store has them now (see `put`): booleans and
   * instants as numbers, so that a build reads a million customers without a JavaScript value each.
   */
  async fetch(store: Store, who: CustomerSet): Promise<FetchedColumns> {
    if (who !== 'all' && who.length === 0) return {};
    const columns = this.fields.map(([name]) => sql`${heldAs(name).read(ident(name))} AS ${ident(name)}`);
    return store.vectors(sql`SELECT id, ${join(columns)} FROM customers WHERE ${idFilter(sql`id`, who)}`);
  }

  /**
   * Rows the store was just given (id and country, the other columns null), as `fetch` would read them back: a batch's
   * new customers.
   */
  newRows(rows: ReadonlyArray<{ id: string; country: string | null }>): FetchedColumns {
    const out: Record<string, Float64Array | Array<string | null>> = { id: rows.map((r) => r.id) };
    for (const [name] of this.fields) out[name] = heldAs(name).numeric ? new Float64Array(rows.length).fill(NaN) : rows.map((r) => (name === 'country' ? r.country : null));
    return out;
  }

  /**
   * Puts fetched rows into the numbers `numberOf` gives (rows it gives none are skipped); the customers in `asked`
   * whose row is not among them read as an empty row. Synchronous, so no answer sees a customer half written.
   */
  put(rows: FetchedColumns, asked: readonly string[], numberOf: (id: string) => number | undefined): void {
    for (const id of asked) this.clear(numberOf(id));
    const ids = (rows.id ?? []) as ReadonlyArray<string>;
    for (let r = 0; r < ids.length; r++) {
      const i = numberOf(ids[r]!);
      if (i === undefined) continue;
      this.room(i);
      this.present[i] = 1;
      for (const [name, field] of this.fields) field.set(i, rows[name]![r] as Fetched);
    }
  }

  /** Whether customer `i`'s row is held (a customer known from events alone has none). */
  holds(i: number | undefined): boolean {
    return i !== undefined && this.present[i] === 1;
  }

  /** The held columns of customer `i` (an empty row for a customer without one). */
  row(i: number): Row {
    const out: Row = {};
    if (!this.present[i]) return out;
    for (const [name, field] of this.fields) out[name] = field.get(i);
    return out;
  }

  /** created_at of customer `i` (epoch ms, null when unset); undefined for a customer without a row. */
  createdAt(i: number | undefined): number | null | undefined {
    return this.holds(i) ? epochOf(this.fields.find(([name]) => name === 'created_at')![1].get(i!)) : undefined;
  }

  /** created_at of each customer of fetched rows (see `fetch`), as `createdAt` gives it. */
  static createdAtOf(rows: FetchedColumns): Map<string, number | null> {
    const at = rows.created_at as Float64Array | undefined;
    return new Map(((rows.id ?? []) as ReadonlyArray<string>).map((id, r) => [id, Number.isNaN(at![r]!) ? null : at![r]!]));
  }

  /** Customer `i` no longer has a row (it was erased, or the store lacks it). */
  clear(i: number | undefined): void {
    if (i === undefined || i >= this.present.length) return;
    this.present[i] = 0;
  }

  /** Room for customer number `i`, grown by an eighth at a time as customers are added after the build. */
  private room(i: number): void {
    if (i < this.present.length) return;
    const size = Math.max(i + 1, this.present.length + (this.present.length >> 3), 1024);
    for (const [, field] of this.fields) field.grow(size);
    const present = new Uint8Array(size);
    present.set(this.present);
    this.present = present;
  }
}
