import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { ident, join, raw, sql, type Sql } from '../../sql/index.js';
import { ENTITIES, TYPE_WORDS, type ColumnSpec, type Entity } from '../schema.js';
import type { Store } from '../store.js';
import { CURRENCY_CODE, EPOCH_FORMATS, fieldSpecs, parseMapping, type Mapping } from './mapping.js';
import { detectFormat, openSource, scratchTables, type Source } from './source.js';
import { timestampOf } from './staging.js';
import { AMOUNT_NAMES, BOOLEAN_WORDS, eventTypeOf, FIELD_NAMES, MINOR_UNITS, squash } from './suggest-names.js';

/**
 * `segmint import FILE --suggest`: a mapping drafted from a file's column names and a sample of its rows, to save,
 * check and pass to `--mapping`. The draft is valid as it stands; the notes say what it rests on and what to check.
 */
export interface Suggestion {
  /** The mapping as it is printed: only what differs from the defaults. */
  draft: Record<string, unknown>;
  notes: string[];
}

const SAMPLE_ROWS = 10_000;
/** How many of a type column's values the draft lists, commonest first. */
const TYPE_VALUES = 100;
/** A column fits a field's type when this share of its sampled values reads as that type. */
const FITS = 0.95;

/** Tried in order; the first that reads every sampled value wins. Unix times only for a column named as a time. */
const TIMESTAMP_FORMATS: ReadonlyArray<string | undefined> = [
  undefined,
  '%Y-%m-%d %H:%M:%S %z',
  '%d/%m/%Y %H:%M:%S',
  '%m/%d/%Y %H:%M:%S',
  '%d/%m/%Y %H:%M',
  '%m/%d/%Y %H:%M',
  '%d/%m/%Y',
  '%m/%d/%Y',
  '%d.%m.%Y %H:%M:%S',
  '%d.%m.%Y %H:%M',
  '%d.%m.%Y',
  '%Y/%m/%d %H:%M:%S',
  '%Y/%m/%d',
  '%d-%m-%Y %H:%M:%S',
  '%d-%m-%Y',
  '%Y%m%d',
  '%a, %d %b %Y %H:%M:%S %z',
  ...Object.keys(EPOCH_FORMATS),
];
const isEpoch = (format: string | undefined) => format !== undefined && format in EPOCH_FORMATS;

/** Separators of category paths, tried in order. */
const PATH_SEPARATORS = ['>', '»', '::', '/'];

/** What the sample says of one column. */
interface Profile {
  column: string;
  filled: number;
  distinct: number;
  numbers: number;
  integers: number;
  negatives: number;
  booleans: number;
  /** Per format (as in TIMESTAMP_FORMATS), how many values read as a time between 1990 and 2100. */
  times: number[];
  /** Of a column with few values: how many sampled values name an event type. */
  eventNamed: number;
}

export async function suggestMapping(store: Store, path: string, options: { entity?: Entity | undefined; name?: string | undefined } = {}): Promise<Suggestion> {
  const id = randomUUID().replaceAll('-', '');
  const format = detectFormat(path, undefined);
  const csv = format === 'csv' ? await sniffDialect(store, path) : undefined;
  const bare: Mapping = { entity: options.entity ?? 'events', columns: {}, absentColumns: 'error', ...(csv && { csv }) };
  const source = await openSource(store, path, bare, id, options.name);
  const sample = `sample_${id}`;
  try {
    const texts = join([...source.columns.keys()].map((c) => sql`CAST(${source.value(c)} AS VARCHAR) AS ${ident(c)}`));
    await store.run(sql`CREATE TEMP TABLE ${ident(sample)} AS SELECT ${texts}
      FROM (${source.relation({ numbered: false, rejects: 'store' })}) src USING SAMPLE reservoir(${raw(String(SAMPLE_ROWS))} ROWS) REPEATABLE (7)`);
    const rows = (await store.one<{ n: number }>(sql`SELECT count(*) AS n FROM ${ident(sample)}`))!.n;
    const profiles: Profile[] = [];
    for (const column of source.columns.keys()) profiles.push(await profile(store, sample, column));
    const drafter = new Drafter(store, source, sample, rows, profiles);
    const entity = options.entity ?? guessEntity(profiles);
    const draft = await drafter.draft(entity, csv);
    parseMapping(draft, 'the drafted mapping');
    return { draft, notes: drafter.notes };
  } finally {
    for (const table of [sample, ...scratchTables(source)]) await store.run(sql`DROP TABLE IF EXISTS ${ident(table)}`);
    if (source.truncation) await rm(source.truncation.prefixPath, { force: true });
  }
}

type CsvDialect = NonNullable<Mapping['csv']>;

/** DuckDB's guess of the CSV dialect; the defaults when it cannot guess (a badly quoted line in its sample). */
async function sniffDialect(store: Store, path: string): Promise<CsvDialect> {
  const fallback: CsvDialect = { delimiter: ',', quote: '"', escape: '"', header: true };
  try {
    const d = await store.one<{ Delimiter: string; Quote: string; Escape: string; HasHeader: boolean }>(
      sql`SELECT Delimiter, Quote, Escape, HasHeader FROM sniff_csv(${path})`,
    );
    if (!d || d.Delimiter.length !== 1) return fallback;
    // A sample without quotes says nothing of them: the usual quote stays.
    const one = (c: string, usual: string) => (c.length === 1 ? c : usual);
    return { delimiter: d.Delimiter, quote: one(d.Quote, '"'), escape: one(d.Escape, one(d.Quote, '"')), header: d.HasHeader };
  } catch {
    return fallback;
  }
}

async function profile(store: Store, sample: string, column: string): Promise<Profile> {
  const t = sql`t`;
  const inRange = (ts: Sql) => sql`count(*) FILTER (WHERE ${ts} BETWEEN TIMESTAMP '1990-01-01' AND TIMESTAMP '2100-01-01')`;
  const times = TIMESTAMP_FORMATS.map((f, i) => sql`${inRange(timestampOf(t, f))} AS ${ident(`time_${i}`)}`);
  const row = (await store.one<Record<string, number>>(sql`SELECT count(t) AS filled, count(DISTINCT t) AS distinct,
      count(TRY_CAST(t AS DOUBLE)) AS numbers, count(*) FILTER (WHERE regexp_full_match(t, '-?[0-9]+')) AS integers,
      count(*) FILTER (WHERE TRY_CAST(t AS DOUBLE) < 0) AS negatives, count(TRY_CAST(t AS BOOLEAN)) AS booleans, ${join(times)}
    FROM (SELECT NULLIF(${ident(column)}, '') AS t FROM ${ident(sample)})`))!;
  let eventNamed = 0;
  if (row.distinct! <= 50) {
    const values = await store.all<{ t: string; n: number }>(sql`SELECT t, count(*) AS n FROM (SELECT NULLIF(${ident(column)}, '') AS t FROM ${ident(sample)})
      WHERE t IS NOT NULL GROUP BY t`);
    eventNamed = values.filter((v) => eventTypeOf(v.t)).reduce((sum, v) => sum + v.n, 0);
  }
  return {
    column,
    eventNamed,
    filled: row.filled!,
    distinct: row.distinct!,
    numbers: row.numbers!,
    integers: row.integers!,
    negatives: row.negatives!,
    booleans: row.booleans!,
    times: TIMESTAMP_FORMATS.map((_, i) => row[`time_${i}`]!),
  };
}

/**
 * The format that reads the most of a column's sampled values as times, if it reads nearly all (FITS); `epoch` allows
 * unix times. `swapped` is set when the values read as well with day and month the other way round.
 */
function timeFormat(p: Profile, epoch: boolean): { format: string | undefined; read: number; swapped: boolean } | undefined {
  const allowed = TIMESTAMP_FORMATS.map((format, i) => ({ format, read: p.times[i]! })).filter((f) => epoch || !isEpoch(f.format));
  const read = Math.max(...allowed.map((f) => f.read));
  if (p.filled === 0 || read < FITS * p.filled) return undefined;
  const format = allowed.find((f) => f.read === read)!.format;
  const other = format?.replace(/%d|%m/g, (x) => (x === '%d' ? '%m' : '%d'));
  return { format, read, swapped: other !== format && allowed.some((f) => f.format === other && f.read === read) };
}

function fits(spec: ColumnSpec, p: Profile, named: boolean): boolean {
  if (p.filled === 0) return false;
  switch (spec.type) {
    case 'double':
      return p.numbers >= FITS * p.filled;
    case 'timestamp':
      return timeFormat(p, named) !== undefined;
    case 'boolean':
      return p.booleans >= FITS * p.filled || p.distinct <= 12;
    case 'string':
    case 'string_list':
    case 'json':
      return true;
  }
}

/** The entity whose fields the columns' names match most; events on a tie. Fields only events files carry do not count. */
function guessEntity(profiles: Profile[]): Entity {
  let best: { entity: Entity; score: number } = { entity: 'events', score: -1 };
  for (const entity of ENTITIES) {
    const specs = fieldSpecs(entity).filter((s) => !s.name.startsWith('product_'));
    const score = specs.filter((s) => profiles.some((p) => FIELD_NAMES[entity][s.name]?.includes(squash(p.column)) && fits(s, p, true))).length;
    // ENTITIES lists events first, so a tie keeps it.
    if (score > best.score) best = { entity, score };
  }
  return best.entity;
}

function rowsText(n: number): string {
  return `${n} row${n === 1 ? '' : 's'}`;
}

function kindOf(p: Profile): string {
  if (p.filled === 0) return 'empty in the sample';
  const time = timeFormat(p, false);
  if (time) return `timestamps${time.format ? ` as ${time.format}` : ''}`;
  if (p.integers === p.filled) return `whole numbers, ${p.distinct} distinct`;
  if (p.numbers === p.filled) return 'numbers';
  return `text, ${p.distinct} distinct`;
}

type ColumnDraft = string | Record<string, unknown>;

/** Builds the draft of one file, gathering its notes. */
class Drafter {
  readonly notes: string[] = [];
  private readonly columns: Record<string, ColumnDraft> = {};
  private readonly constants: Record<string, string | number> = {};
  private readonly extra: Record<string, unknown> = {};

  constructor(
    private readonly store: Store,
    private readonly source: Source,
    private readonly sample: string,
    private readonly rows: number,
    private readonly profiles: Profile[],
  ) {}

  async draft(entity: Entity, csv: CsvDialect | undefined): Promise<Record<string, unknown>> {
    this.notes.push(`read a sample of ${rowsText(this.rows)} of ${this.source.file} as ${entity}`);
    const notesFrom = this.notes.length;
    const specs = fieldSpecs(entity);
    const chosen = new Map<string, Profile>();
    for (const spec of specs) {
      const p = this.byName(entity, spec);
      if (p) chosen.set(spec.name, p);
    }
    if (!chosen.has('ts') && entity === 'events') this.byValues('ts', chosen, (p) => timeFormat(p, false) !== undefined);
    if (!chosen.has('type') && entity === 'events') this.byValues('type', chosen, (p) => p.eventNamed >= 0.5 * p.filled && p.filled > 0);
    for (const spec of specs) {
      const p = chosen.get(spec.name);
      if (p) this.columns[spec.name] = await this.columnDraft(spec, p);
    }
    if (entity === 'events') await this.eventRules(chosen);
    const columnNotes = this.profiles.map((p) => {
      const fields = [...chosen].filter(([, c]) => c === p).map(([f]) => f);
      return `"${p.column}" (${kindOf(p)}) ${fields.length > 0 ? `-> ${fields.join(', ')}` : 'not mapped'}`;
    });
    this.notes.splice(notesFrom, 0, ...columnNotes);
    const defaults = !csv || (csv.delimiter === ',' && csv.quote === '"' && csv.escape === '"' && csv.header);
    return {
      entity,
      ...(!defaults && { csv }),
      columns: this.columns,
      ...(Object.keys(this.constants).length > 0 && { constants: this.constants }),
      ...this.extra,
    };
  }

  /** The column named as the field, best name first, whose values fit the field's type. */
  private byName(entity: Entity, spec: ColumnSpec): Profile | undefined {
    const names = FIELD_NAMES[entity][spec.name] ?? [];
    const named = this.profiles
      .filter((p) => names.includes(squash(p.column)))
      .sort((a, b) => names.indexOf(squash(a.column)) - names.indexOf(squash(b.column)));
    const fitting = named.find((p) => fits(spec, p, true));
    if (!fitting) for (const p of named) this.notes.push(`"${p.column}" is named like ${spec.name} but its values are not ${TYPE_WORDS[spec.type]}: not mapped`);
    if (fitting && spec.name === 'id' && entity === 'events' && (fitting.distinct < fitting.filled || fitting.filled < this.rows)) {
      this.notes.push(`"${fitting.column}" is named like an event id but repeats or is empty in the sample: not mapped (events get ids hashed from their fields)`);
      return undefined;
    }
    return fitting;
  }

  private byValues(field: string, chosen: Map<string, Profile>, test: (p: Profile) => boolean): void {
    const taken = new Set([...chosen.values()]);
    const p = this.profiles.find((x) => !taken.has(x) && test(x));
    if (!p) return;
    chosen.set(field, p);
    this.notes.push(`"${p.column}" -> ${field}: chosen by its values, not its name`);
  }

  /** How the field reads its column: the time format, list separator, path, cents, a value map. */
  private async columnDraft(spec: ColumnSpec, p: Profile): Promise<ColumnDraft> {
    const ref: Record<string, unknown> = { column: p.column };
    if (spec.type === 'timestamp') {
      const time = timeFormat(p, true)!;
      if (time.format) ref.format = time.format;
      if (time.read < p.filled) this.notes.push(`"${p.column}": ${p.filled - time.read} of ${p.filled} sampled values do not read as ${time.format ?? 'ISO 8601'}: their rows would be quarantined`);
      if (time.swapped) this.notes.push(`"${p.column}": every sampled value reads with day and month either way round; check that ${time.format} is what the file means`);
    }
    if (spec.type === 'double') {
      if (MINOR_UNITS.test(p.column)) ref.divide = 100;
      else if (p.integers === p.filled && /price|amount|discount/.test(spec.name + squash(p.column))) {
        this.notes.push(`"${p.column}" holds whole numbers only: if they are cents, add "divide": 100`);
      }
    }
    if (spec.type === 'string_list') ref.split = await this.listSeparator(p.column);
    if (spec.name === 'category' || spec.name === 'product_category') {
      const separator = await this.pathSeparator(p);
      if (separator) {
        ref.path = separator;
        this.notes.push(`"${p.column}" holds category paths: ${spec.name} keeps the last level ("level": 1 keeps the first)`);
      }
    }
    if (spec.type === 'boolean' && p.booleans < p.filled) {
      const values = await this.booleanValues(p.column);
      if (values) ref.values = values;
    }
    if (spec.name === 'type') {
      const values = await this.eventTypeValues(p.column);
      if (values) ref.values = values;
    }
    if (spec.name === 'currency') {
      const wrong = await this.distinct(p.column, sql`NOT regexp_full_match(t, ${CURRENCY_CODE.source})`, 1);
      if (wrong.length > 0) this.notes.push(`"${p.column}" has values that are not currency codes in capitals ("${wrong[0]}"): their rows would be quarantined; add "values"`);
    }
    return Object.keys(ref).length === 1 ? p.column : ref;
  }

  private async distinct(column: string, where: Sql, limit: number): Promise<string[]> {
    const rows = await this.store.all<{ t: string }>(sql`SELECT DISTINCT t FROM (SELECT NULLIF(${ident(column)}, '') AS t FROM ${ident(this.sample)})
      WHERE t IS NOT NULL AND ${where} ORDER BY t LIMIT ${limit}`);
    return rows.map((r) => r.t);
  }

  private async listSeparator(column: string): Promise<string> {
    for (const separator of ['|', ';', ',']) {
      if ((await this.distinct(column, sql`contains(t, ${separator})`, 1)).length > 0) return separator;
    }
    return '|';
  }

  private async pathSeparator(p: Profile): Promise<string | undefined> {
    for (const separator of PATH_SEPARATORS) {
      const n = (await this.store.one<{ n: number }>(sql`SELECT count(*) AS n FROM ${ident(this.sample)} WHERE contains(${ident(p.column)}, ${separator})`))!.n;
      if (n >= 0.3 * p.filled) return separator;
    }
    return undefined;
  }

  private async booleanValues(column: string): Promise<Record<string, string> | undefined> {
    const values = await this.distinct(column, sql`true`, 13);
    if (values.length > 12 || !values.every((v) => BOOLEAN_WORDS[squash(v)] !== undefined)) {
      this.notes.push(`"${column}" has values that are not true/false: their rows would be quarantined; add "values"`);
      return undefined;
    }
    return Object.fromEntries(values.map((v) => [v, BOOLEAN_WORDS[squash(v)]!]));
  }

  /**
   * The values of the whole file's type column, commonest first, mapped to the event types their names mean. Values
   * that are event types already need no map; others without a known meaning are left out, and noted.
   */
  private async eventTypeValues(column: string): Promise<Record<string, string> | undefined> {
    const text = sql`NULLIF(CAST(${this.source.value(column)} AS VARCHAR), '')`;
    const found = await this.store.all<{ value: string; n: number }>(sql`SELECT ${text} AS value, count(*) AS n
      FROM (${this.source.relation({ numbered: false, rejects: 'skip' })}) src WHERE ${text} IS NOT NULL
      GROUP BY ALL ORDER BY n DESC, value LIMIT ${TYPE_VALUES + 1}`);
    const listed = found.slice(0, TYPE_VALUES);
    const values = Object.fromEntries(listed.flatMap((f) => (eventTypeOf(f.value) ? [[f.value, eventTypeOf(f.value)!]] : [])));
    const unknown = listed.filter((f) => values[f.value] === undefined);
    this.notes.push(`"${column}" values: ${listed.map((f) => `"${f.value}" -> ${values[f.value] ?? '?'} (${rowsText(f.n)})`).join(', ')}`);
    if (unknown.length > 0) {
      this.notes.push(`no event type for ${unknown.map((f) => `"${f.value}"`).join(', ')}: add them to columns.type.values, or their rows are quarantined`);
    }
    if (found.length > TYPE_VALUES) this.notes.push(`"${column}" has more than ${TYPE_VALUES} values: only the commonest are listed`);
    if (listed.every((f) => values[f.value] === f.value)) return undefined;
    return values;
  }

  /** What an events file without some of the columns says by its shape: order lines, returns, order amounts, currency. */
  private async eventRules(chosen: Map<string, Profile>): Promise<void> {
    if (!chosen.has('unit_price')) {
      const amount = this.profiles.find((p) => AMOUNT_NAMES.includes(squash(p.column)) && p.numbers >= FITS * p.filled && p.filled > 0);
      if (amount) {
        chosen.set('unit_price', amount);
        this.columns.unit_price = MINOR_UNITS.test(amount.column) ? { column: amount.column, divide: 100 } : amount.column;
        if (!chosen.has('quantity')) this.constants.quantity = 1;
        this.notes.push(
          chosen.has('quantity')
            ? `"${amount.column}" -> unit_price: an amount per row, read as the price of one unit; if it is a line's total, lines of several units count it more than once`
            : `"${amount.column}" -> unit_price: an amount per row, read as one unit's price (constants.quantity 1)`,
        );
      }
    }
    if (!chosen.has('type')) {
      if (chosen.has('order_id') || chosen.has('unit_price')) {
        this.constants.type = 'order';
        this.notes.push('no column of event types: every row is an order line (constants.type "order")');
        await this.returns(chosen);
      } else {
        this.notes.push('no column of event types: map one to type, or set constants.type');
      }
    }
    if (!chosen.has('currency')) this.notes.push('no currency column: add "currency": "EUR" (the shop\'s currency) so prices say theirs');
  }

  /** Order exports that hold returns: negative quantities, and order ids with a letter prefix on those lines. */
  private async returns(chosen: Map<string, Profile>): Promise<void> {
    const quantity = chosen.get('quantity');
    const order = chosen.get('order_id');
    const negativeQuantity = quantity !== undefined && quantity.negatives > 0;
    let orderIdPrefix: string | undefined;
    if (order && order.integers >= 0.5 * order.filled) {
      const negative = quantity ? sql`TRY_CAST(${ident(quantity.column)} AS DOUBLE) < 0` : sql`true`;
      const found = await this.store.one<{ prefix: string }>(sql`SELECT regexp_extract(o, '^([A-Za-z]+)[0-9]', 1) AS prefix
        FROM (SELECT ${ident(order.column)} AS o, ${negative} AS negative FROM ${ident(this.sample)})
        WHERE regexp_full_match(o, '[A-Za-z]+[0-9]+') AND negative GROUP BY prefix ORDER BY count(*) DESC, prefix LIMIT 1`);
      orderIdPrefix = found?.prefix;
    }
    if (!negativeQuantity && !orderIdPrefix) return;
    this.extra.returns = { ...(orderIdPrefix && { orderIdPrefix }), ...(negativeQuantity && { negativeQuantity }) };
    const why = [orderIdPrefix && `order ids starting "${orderIdPrefix}"`, negativeQuantity && 'negative quantities'].filter(Boolean);
    this.notes.push(`lines with ${why.join(' or ')} become returns (returns)`);
  }
}
