/**
 * The store's entities and their columns, in one place: migrations create them, ingest maps files onto them,
 * the demo generator writes files with exactly these column names.
 */
export const EVENT_TYPES = [
  'order',
  'return',
  'view',
  'search',
  'add_to_cart',
  'remove_from_cart',
  'email_send',
  'email_open',
  'email_click',
  'campaign_impression',
  'campaign_click',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const CONSENT_CHANNELS = ['email', 'sms', 'push', 'ads'] as const;
export type ConsentChannel = (typeof CONSENT_CHANNELS)[number];

/**
 * A channel's consent and when it was last stated. The time is set by the API and by a file row that says when
 * (CONSENT_STATED_AT_FIELD); it lets the newest statement win, so re-importing an older file cannot undo a consent
 * given or withdrawn since.
 */
export function consentColumns(channel: ConsentChannel): { value: string; statedAt: string } {
  return { value: `consent_${channel}`, statedAt: `consent_${channel}_at` };
}

export const ENTITIES = ['events', 'customers', 'products'] as const;
export type Entity = (typeof ENTITIES)[number];

/** Logical column types; the SQL type and how a source value is parsed follow from it. */
export type ColumnType = 'string' | 'double' | 'timestamp' | 'boolean' | 'string_list' | 'json';

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  /** A row without a value here is rejected. */
  required?: boolean;
  /** The migration that added the column to a store created before it (migration 1 creates the others). */
  since?: number;
}

export const ENTITY_COLUMNS: Record<Entity, readonly ColumnSpec[]> = {
  customers: [
    { name: 'id', type: 'string', required: true },
    { name: 'email', type: 'string' },
    { name: 'phone', type: 'string' },
    { name: 'created_at', type: 'timestamp' },
    { name: 'country', type: 'string' },
    { name: 'consent_email', type: 'boolean' },
    { name: 'consent_sms', type: 'boolean' },
    { name: 'consent_push', type: 'boolean' },
    { name: 'consent_ads', type: 'boolean' },
    { name: 'attributes', type: 'json' },
  ],
  products: [
    { name: 'id', type: 'string', required: true },
    { name: 'title', type: 'string' },
    { name: 'category', type: 'string' },
    { name: 'brand', type: 'string' },
    { name: 'price', type: 'double' },
    { name: 'colors', type: 'string_list' },
    { name: 'materials', type: 'string_list' },
    { name: 'style_tags', type: 'string_list' },
    { name: 'launched_at', type: 'timestamp' },
    { name: 'attributes', type: 'json' },
  ],
  events: [
    { name: 'id', type: 'string' },
    { name: 'type', type: 'string', required: true },
    { name: 'ts', type: 'timestamp', required: true },
    { name: 'customer_id', type: 'string' },
    { name: 'anonymous_id', type: 'string' },
    { name: 'session_id', type: 'string' },
    { name: 'product_id', type: 'string' },
    { name: 'order_id', type: 'string' },
    { name: 'quantity', type: 'double' },
    { name: 'unit_price', type: 'double' },
    { name: 'discount', type: 'double' },
    { name: 'query', type: 'string' },
    { name: 'channel', type: 'string' },
    { name: 'device', type: 'string' },
    { name: 'country', type: 'string' },
    { name: 'properties', type: 'json' },
    // ISO 4217, of unit_price and discount; NULL when the source did not say.
    { name: 'currency', type: 'string', since: 8 },
  ],
};

/**
 * Fields an events file may carry about the product of each line (an order export's description column);
 * they fill in products that the store does not know yet and are not stored on the event.
 */
export const EVENT_PRODUCT_FIELDS = ['product_title', 'product_category', 'product_brand'] as const;

/**
 * When a customers file row's consent values were stated. A row that says competes with what is stored by time; a
 * row that does not never overrides consent stated with a time. Kept per channel, not as such.
 */
export const CONSENT_STATED_AT_FIELD: ColumnSpec = { name: 'consent_updated_at', type: 'timestamp' };

/**
 * The amount of a whole order, for files with one row per order and no product: such a row (type order, or return) is
 * stored with its item count as quantity (the mapped quantity; else 1, or -1 for a negative total) and the total
 * divided by it as unit_price, so every revenue figure, which sums quantity * unit_price, counts the total once. Rows
 * with a product_id are order lines and do not read it.
 */
export const ORDER_TOTAL_FIELD: ColumnSpec = { name: 'order_total', type: 'double' };

/**
 * The discount on a whole order line (all its units), as exports such as Shopify's give it: the line is stored at
 * unit_price less line_discount / quantity, with that as its discount per unit.
 */
export const LINE_DISCOUNT_FIELD: ColumnSpec = { name: 'line_discount', type: 'double' };

/**
 * What became of an order after it was placed, as order exports state it on its rows: the amount refunded, and when it
 * was cancelled. Each refunded or cancelled order gets one return beside its lines (import-file.ts orderReturns).
 */
export const ORDER_REFUNDED_FIELD: ColumnSpec = { name: 'order_refunded', type: 'double' };
export const ORDER_CANCELLED_AT_FIELD: ColumnSpec = { name: 'order_cancelled_at', type: 'timestamp' };

/** Fields a file may map beyond the stored columns (ENTITY_COLUMNS). */
export const FILE_ONLY_FIELDS: Record<Entity, readonly ColumnSpec[]> = {
  customers: [CONSENT_STATED_AT_FIELD],
  products: [],
  events: [
    ...EVENT_PRODUCT_FIELDS.map((name): ColumnSpec => ({ name, type: 'string' })),
    ORDER_TOTAL_FIELD,
    LINE_DISCOUNT_FIELD,
    ORDER_REFUNDED_FIELD,
    ORDER_CANCELLED_AT_FIELD,
  ],
};

/** How messages and docs name each type. */
export const TYPE_WORDS: Record<ColumnType, string> = {
  string: 'text',
  double: 'a number',
  timestamp: 'a timestamp',
  boolean: 'true/false',
  string_list: 'a list',
  json: 'JSON',
};

export const SQL_TYPES: Record<ColumnType, string> = {
  string: 'VARCHAR',
  double: 'DOUBLE',
  timestamp: 'TIMESTAMP',
  boolean: 'BOOLEAN',
  string_list: 'VARCHAR[]',
  json: 'JSON',
};
