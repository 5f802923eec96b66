import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ValidationError } from '../../shared/errors.js';
import { CONSENT_STATED_AT_FIELD, ENTITIES, ENTITY_COLUMNS, EVENT_TYPES, FILE_ONLY_FIELDS, TYPE_WORDS, type ColumnSpec, type ColumnType, type Entity } from '../schema.js';

/** Timestamps written as a count since 1970-01-01 UTC, by unit; any other `format` is a strptime pattern. */
export const EPOCH_FORMATS = { unix: 1_000_000, unix_ms: 1_000, unix_us: 1 } as const;

/**
 * Where one store field comes from, with how to read it. The steps apply in this order: `fallback`, `values`, then
 * `path`, then the field's type (`format`, `split`, `divide`), then `prefix`. docs/importing.md describes every key:
 * this schema and those of a mapping's other places are exported for the test that holds the page to them.
 */
export const columnSpecSchema = z.strictObject({
  column: z.string().min(1),
  /** Timestamps: a strptime pattern such as "%d/%m/%Y %H:%M", or unix, unix_ms, unix_us. */
  format: z.string().min(1).optional(),
  /** Lists: the separator of the values held in one text field. */
  split: z.string().min(1).optional(),
  /** Text: put before every value, to keep ids from two sources apart. */
  prefix: z.string().optional(),
  /** Source value -> stored value, exactly as written; a value not listed sends its row to quarantine, naming it. */
  values: z.record(z.string(), z.string()).optional(),
  /** Numbers: divide by this, e.g. 100 for amounts in cents. */
  divide: z.number().positive().optional(),
  /** Text: the separator of a path of levels ("Women > Shoes > Sneakers"); the field keeps one level (`level`). */
  path: z.string().min(1).optional(),
  /** With `path`: which level, 1 the first, -1 the last (the default), -2 the one before it. */
  level: z
    .number()
    .int()
    .refine((n) => n !== 0, 'levels count from 1 (the first) or from -1 (the last)')
    .optional(),
  /** Another column, read where this one is empty (a SKU, else the product's name). */
  fallback: z.string().min(1).optional(),
});

const sourceRef = z.union([z.string().min(1), columnSpecSchema]);

export const FORMATS = ['csv', 'jsonl', 'parquet'] as const;
export type Format = (typeof FORMATS)[number];

export const csvOptionsSchema = z.strictObject({
  delimiter: z.string().length(1).default(','),
  quote: z.string().max(1).default('"'),
  escape: z.string().max(1).default('"'),
  header: z.boolean().default(true),
});

export const returnsSchema = z.strictObject({
  orderIdPrefix: z.string().min(1).optional(),
  negativeQuantity: z.boolean().default(false),
});

/** An ISO 4217 code as the store keeps it. */
export const CURRENCY_CODE = /^[A-Z]{3}$/;

export const mappingSchema = z.strictObject({
  entity: z.enum(ENTITIES),
  format: z.enum(FORMATS).optional(),
  csv: csvOptionsSchema.optional(),
  /** store field -> source column */
  columns: z.record(z.string(), sourceRef),
  /** store field -> the same value for every row (e.g. type "order" for an order-lines export) */
  constants: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  /** Events: the currency of rows that do not name one (no currency column, or an empty cell). */
  currency: z.string().regex(CURRENCY_CODE, 'a currency is an ISO 4217 code in capitals, such as EUR').optional(),
  /**
   * What a mapped column absent from the file means: an error naming it (the default), or, for the identity
   * mappings, an optional field left empty (required fields still fail).
   */
  absentColumns: z.enum(['error', 'null']).default('error'),
  /** Order exports that mix sales and returns: matching lines become `return` events with positive quantity. */
  returns: returnsSchema.optional(),
  /**
   * Events: fields that exports write on one row of each order only (its first line): a row without a value takes
   * the one another row of its order has.
   */
  orderFields: z.array(z.string().min(1)).optional(),
});

export type Mapping = z.infer<typeof mappingSchema>;
export type SourceRef = z.infer<typeof sourceRef>;

export type ColumnSource = z.infer<typeof columnSpecSchema>;

export function columnSource(ref: SourceRef): ColumnSource {
  return typeof ref === 'string' ? { column: ref } : ref;
}

/** Store fields a mapping may fill for an entity: the stored columns and the FILE_ONLY_FIELDS. */
export function fieldSpecs(entity: Entity): ColumnSpec[] {
  return [...ENTITY_COLUMNS[entity], ...FILE_ONLY_FIELDS[entity]];
}

const onlineRetailBase = {
  entity: 'events',
  absentColumns: 'error',
  constants: { type: 'order', channel: 'web' },
  returns: { orderIdPrefix: 'C', negativeQuantity: true },
} as const;

/** How Shopify's exports write a time: "2024-03-05 14:02:11 +0100". */
const SHOPIFY_TIME = '%Y-%m-%d %H:%M:%S %z';
const YES_NO = { yes: 'true', no: 'false' };

/** Named column mappings for well-known layouts. `segmint-*` read the files `segmint demo` writes. */
export const PRESETS: Record<string, Mapping> = {
  'online-retail': {
    ...onlineRetailBase,
    columns: {
      order_id: 'InvoiceNo',
      product_id: 'StockCode',
      product_title: 'Description',
      quantity: 'Quantity',
      ts: 'InvoiceDate',
      unit_price: 'UnitPrice',
      customer_id: 'CustomerID',
      country: 'Country',
    },
  },
  'online-retail-ii': {
    ...onlineRetailBase,
    columns: {
      order_id: 'Invoice',
      product_id: 'StockCode',
      product_title: 'Description',
      quantity: 'Quantity',
      ts: 'InvoiceDate',
      unit_price: 'Price',
      customer_id: 'Customer ID',
      country: 'Country',
    },
  },
  // Shopify admin's orders export (Orders > Export, CSV): one row per line item, the order's details on its first
  // row. It has no customer id, so the customer is the email; docs/importing.md says what each column becomes.
  'shopify-orders': {
    entity: 'events',
    absentColumns: 'error',
    constants: { type: 'order' },
    columns: {
      order_id: 'Name',
      customer_id: 'Email',
      ts: { column: 'Created at', format: SHOPIFY_TIME },
      product_id: { column: 'Lineitem sku', fallback: 'Lineitem name' },
      product_title: 'Lineitem name',
      product_brand: 'Vendor',
      quantity: 'Lineitem quantity',
      unit_price: 'Lineitem price',
      line_discount: 'Lineitem discount',
      currency: 'Currency',
      country: 'Shipping Country',
      channel: 'Source',
      order_refunded: 'Refunded Amount',
      order_cancelled_at: { column: 'Cancelled at', format: SHOPIFY_TIME },
    },
    orderFields: ['ts', 'customer_id', 'currency', 'country', 'channel'],
  },
  // Shopify admin's customers export (Customers > Export, CSV): keyed by email, as the orders export names customers
  // (the customer id where there is no email); the accepts-marketing columns are the consent.
  'shopify-customers': {
    entity: 'customers',
    absentColumns: 'error',
    columns: {
      id: { column: 'Email', fallback: 'Customer ID' },
      email: 'Email',
      phone: 'Phone',
      country: 'Default Address Country Code',
      consent_email: { column: 'Accepts Email Marketing', values: YES_NO },
      consent_sms: { column: 'Accepts SMS Marketing', values: YES_NO },
    },
  },
  ...Object.fromEntries(ENTITIES.map((entity) => [`segmint-${entity}`, identityMapping(entity)])),
};

/**
 * Every store field read from the source column of the same name, and for customers when their consent was stated;
 * list fields split on `|`.
 */
export function identityMapping(entity: Entity): Mapping {
  const columns: Record<string, SourceRef> = {};
  const fields = entity === 'customers' ? [...ENTITY_COLUMNS[entity], CONSENT_STATED_AT_FIELD] : ENTITY_COLUMNS[entity];
  for (const c of fields) columns[c.name] = c.type === 'string_list' ? { column: c.name, split: '|' } : c.name;
  return { entity, columns, absentColumns: 'null' };
}

export function presetMapping(name: string): Mapping {
  const preset = PRESETS[name];
  if (!preset) {
    throw new ValidationError(`unknown preset "${name}"; presets: ${Object.keys(PRESETS).join(', ')}`, { preset: name });
  }
  return preset;
}

/** Keys a mapping may have at a place, for the message naming a misspelt one. */
function keysAt(path: readonly PropertyKey[]): string[] {
  const schema = path.length === 0 ? mappingSchema : path[0] === 'csv' ? csvOptionsSchema : path[0] === 'returns' ? returnsSchema : columnSpecSchema;
  return Object.keys(schema.shape);
}

function issueText(issue: z.core.$ZodIssue): string {
  const at = (path: readonly PropertyKey[]) => path.map(String).join('.') || '(root)';
  if (issue.code === 'unrecognized_keys') return `${at([...issue.path, issue.keys[0]!])}: unknown key; keys here: ${keysAt(issue.path).join(', ')}`;
  if (issue.code === 'invalid_union' && issue.path[0] === 'columns') return `${at(issue.path)}: expected a column name, or an object with "column" and how to read it`;
  if (issue.code === 'invalid_union' && issue.path[0] === 'constants') return `${at(issue.path)}: expected text, a number or true/false`;
  return `${at(issue.path)}: ${issue.message}`;
}

/** The column keys that only make sense for some field types. */
const KEY_TYPES: Partial<Record<keyof ColumnSource, readonly ColumnType[]>> = {
  format: ['timestamp'],
  split: ['string_list'],
  prefix: ['string'],
  divide: ['double'],
  path: ['string'],
  level: ['string'],
};

/** What a mapping asks that the schema alone cannot check: known fields, keys that fit the field's type, event types. */
function checkFields(mapping: Mapping): { path: string; message: string } | undefined {
  const specs = new Map(fieldSpecs(mapping.entity).map((s) => [s.name, s]));
  const fields = [...specs.keys()].join(', ');
  for (const [section, entries] of [['columns', mapping.columns], ['constants', mapping.constants ?? {}]] as const) {
    for (const field of Object.keys(entries)) {
      if (!specs.has(field)) return { path: `${section}.${field}`, message: `"${field}" is not a field of ${mapping.entity}; fields: ${fields}` };
    }
  }
  for (const [field, ref] of Object.entries(mapping.columns)) {
    if (mapping.constants?.[field] !== undefined) return { path: `constants.${field}`, message: `${field} is mapped in columns too; give one` };
    const spec = specs.get(field)!;
    const source = columnSource(ref);
    for (const [key, types] of Object.entries(KEY_TYPES)) {
      if (source[key as keyof ColumnSource] !== undefined && !types.includes(spec.type)) {
        return { path: `columns.${field}.${key}`, message: `only for a field that is ${types.map((t) => TYPE_WORDS[t]).join(' or ')}; ${field} is ${TYPE_WORDS[spec.type]}` };
      }
    }
    if (source.level !== undefined && source.path === undefined) return { path: `columns.${field}.level`, message: 'needs "path", the separator of the levels' };
    if (field === 'type') {
      const wrong = Object.entries(source.values ?? {}).find(([, to]) => !(EVENT_TYPES as readonly string[]).includes(to));
      if (wrong) return { path: `columns.type.values.${wrong[0]}`, message: `"${wrong[1]}" is not an event type; types: ${EVENT_TYPES.join(', ')}` };
    }
  }
  const type = mapping.constants?.type;
  if (type !== undefined && !(EVENT_TYPES as readonly unknown[]).includes(type)) {
    return { path: 'constants.type', message: `"${String(type)}" is not an event type; types: ${EVENT_TYPES.join(', ')}` };
  }
  if (mapping.currency !== undefined && mapping.entity !== 'events') return { path: 'currency', message: 'only for events' };
  for (const [i, field] of (mapping.orderFields ?? []).entries()) {
    if (mapping.entity !== 'events' || mapping.columns.order_id === undefined) return { path: 'orderFields', message: 'only for events with an order_id column' };
    if (!specs.has(field) || field === 'order_id') return { path: `orderFields.${i}`, message: `"${field}" is not a field of an order; fields: ${fields}` };
  }
  return undefined;
}

/** A mapping from JSON; anything wrong fails with one line naming `where` and the path in the mapping. */
export function parseMapping(input: unknown, where: string): Mapping {
  const parsed = mappingSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ValidationError(`${where}: ${issueText(issue)}`, { where, path: issue.path });
  }
  const problem = checkFields(parsed.data);
  if (problem) throw new ValidationError(`${where}: ${problem.path}: ${problem.message}`, { where, path: problem.path.split('.') });
  return parsed.data;
}

/**
 * The mapping an import asks for: a preset, a mapping of its own, or the identity mapping of an entity (events by
 * default); a given entity must be the mapping's. `label` names each choice as the caller's user gave it (a CLI flag,
 * a query parameter).
 */
export function chooseMapping(
  choice: { entity?: string | undefined; preset?: string | undefined; mapping?: Mapping | undefined },
  label: (choice: 'entity' | 'preset' | 'mapping') => string = (c) => c,
): Mapping {
  if (choice.preset && choice.mapping) throw new ValidationError(`give either ${label('preset')} or ${label('mapping')}, not both`);
  const entity = choice.entity;
  if (entity !== undefined && !(ENTITIES as readonly string[]).includes(entity)) {
    throw new ValidationError(`${label('entity')}: "${entity}" is not one of ${ENTITIES.join(', ')}`);
  }
  const mapping = choice.mapping ?? (choice.preset ? presetMapping(choice.preset) : identityMapping((entity ?? 'events') as Entity));
  if (entity !== undefined && entity !== mapping.entity) {
    throw new ValidationError(`${label('entity')} ${entity} does not match the mapping, which is for ${mapping.entity}`);
  }
  return mapping;
}

export function readMappingFile(path: string): Mapping {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ValidationError(`mapping file ${path}: ${err instanceof Error ? err.message : String(err)}`, { file: path });
  }
  return parseMapping(json, `mapping file ${path}`);
}
