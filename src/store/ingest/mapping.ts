import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ValidationError } from '../../shared/errors.js';
import { CONSENT_STATED_AT_FIELD, ENTITIES, ENTITY_COLUMNS, EVENT_TYPES, FILE_ONLY_FIELDS, type Entity } from '../schema.js';

/** Where one store field comes from: a source column name, or a column with parsing options. */
const sourceRef = z.union([
  z.string().min(1),
  z.object({
    column: z.string().min(1),
    /** strptime format for timestamps written in another layout, e.g. "%d/%m/%Y %H:%M". */
    format: z.string().optional(),
    /** Separator of list values held in one text field. */
    split: z.string().optional(),
    /** Text put before every value, to keep ids from two sources apart. */
    prefix: z.string().optional(),
  }),
]);

export const FORMATS = ['csv', 'jsonl', 'parquet'] as const;
export type Format = (typeof FORMATS)[number];

export const mappingSchema = z.strictObject({
  entity: z.enum(ENTITIES),
  format: z.enum(FORMATS).optional(),
  csv: z
    .strictObject({
      delimiter: z.string().length(1).default(','),
      quote: z.string().max(1).default('"'),
      escape: z.string().max(1).default('"'),
      header: z.boolean().default(true),
    })
    .optional(),
  /** store field -> source column */
  columns: z.record(z.string(), sourceRef),
  /** store field -> the same value for every row (e.g. type "order" for an order-lines export) */
  constants: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  /**
   * What a mapped column absent from the file means: an error naming it (the default), or, for the identity
   * mappings, an optional field left empty (required fields still fail).
   */
  absentColumns: z.enum(['error', 'null']).default('error'),
  /** Order exports that mix sales and returns: matching lines become `return` events with positive quantity. */
  returns: z
    .strictObject({
      orderIdPrefix: z.string().min(1).optional(),
      negativeQuantity: z.boolean().default(false),
    })
    .optional(),
});

export type Mapping = z.infer<typeof mappingSchema>;
export type SourceRef = z.infer<typeof sourceRef>;

export interface ColumnSource {
  column: string;
  format?: string | undefined;
  split?: string | undefined;
  prefix?: string | undefined;
}

export function columnSource(ref: SourceRef): ColumnSource {
  return typeof ref === 'string' ? { column: ref } : ref;
}

/** Store fields a mapping may fill for an entity. */
export function targetFields(entity: Entity): string[] {
  return [...ENTITY_COLUMNS[entity], ...FILE_ONLY_FIELDS[entity]].map((c) => c.name);
}

const onlineRetailBase = {
  entity: 'events',
  absentColumns: 'error',
  constants: { type: 'order', channel: 'web' },
  returns: { orderIdPrefix: 'C', negativeQuantity: true },
} as const;

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

export function parseMapping(input: unknown, where: string): Mapping {
  const parsed = mappingSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ValidationError(`${where}: ${issue.path.join('.') || '(root)'}: ${issue.message}`, { where, path: issue.path });
  }
  const mapping = parsed.data;
  const allowed = new Set(targetFields(mapping.entity));
  for (const field of [...Object.keys(mapping.columns), ...Object.keys(mapping.constants ?? {})]) {
    if (!allowed.has(field)) {
      throw new ValidationError(`${where}: "${field}" is not a field of ${mapping.entity}; fields: ${[...allowed].join(', ')}`, {
        where,
        field,
      });
    }
  }
  const type = mapping.constants?.type;
  if (type !== undefined && !(EVENT_TYPES as readonly unknown[]).includes(type)) {
    throw new ValidationError(`${where}: constant type "${String(type)}" is not an event type; types: ${EVENT_TYPES.join(', ')}`, { where });
  }
  return mapping;
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
