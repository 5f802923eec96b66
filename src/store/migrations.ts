import { ENTITY_COLUMNS, SQL_TYPES, type Entity } from './schema.js';

export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

function createEntityTable(entity: Entity, extra: string[] = []): string {
  const cols = ENTITY_COLUMNS[entity].map((c) => {
    const key = c.name === 'id' && entity !== 'events' ? ' PRIMARY KEY' : '';
    const notNull = c.required && !key ? ' NOT NULL' : '';
    return `  ${c.name} ${SQL_TYPES[c.type]}${key}${notNull}`;
  });
  return `CREATE TABLE ${entity} (\n${[...cols, ...extra].join(',\n')}\n)`;
}

/**
 * Ordered, append-only. Events carry no primary key: an index over tens of millions of ids costs more than the
 * anti-join that deduplicates each import, and every write goes through the store's single writer.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'entities, imports and quarantine',
    statements: [
      createEntityTable('customers'),
      createEntityTable('products'),
      createEntityTable('events').replace('id VARCHAR', 'id VARCHAR NOT NULL'),
      `CREATE TABLE imports (
        id VARCHAR PRIMARY KEY,
        file VARCHAR NOT NULL,
        entity VARCHAR NOT NULL,
        format VARCHAR NOT NULL,
        mapping VARCHAR NOT NULL,
        started_at TIMESTAMP NOT NULL,
        rows BIGINT NOT NULL,
        accepted BIGINT NOT NULL,
        duplicates BIGINT NOT NULL,
        rejected BIGINT NOT NULL
      )`,
      `CREATE TABLE quarantine (
        import_id VARCHAR NOT NULL,
        entity VARCHAR NOT NULL,
        source_file VARCHAR NOT NULL,
        line BIGINT,
        column_name VARCHAR,
        reason VARCHAR NOT NULL,
        raw VARCHAR,
        created_at TIMESTAMP NOT NULL
      )`,
    ],
  },
];
