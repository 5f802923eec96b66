import { ENTITIES, ENTITY_COLUMNS, SQL_TYPES, type Entity } from './schema.js';
import { PROVENANCE_DEFAULT } from './ingest/import-variable.js';

export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

/** The table as migration 1 created it: without the columns later migrations add (`since`). */
function createEntityTable(entity: Entity, extra: string[] = []): string {
  const cols = ENTITY_COLUMNS[entity].filter((c) => c.since === undefined).map((c) => {
    const key = c.name === 'id' && entity !== 'events' ? ' PRIMARY KEY' : '';
    const notNull = c.required && !key ? ' NOT NULL' : '';
    return `  ${c.name} ${SQL_TYPES[c.type]}${key}${notNull}`;
  });
  return `CREATE TABLE ${entity} (\n${[...cols, ...extra].join(',\n')}\n)`;
}

/** The columns of the schema that `version` adds (ColumnSpec.since). */
function addedColumns(version: number): string[] {
  return ENTITIES.flatMap((entity) =>
    ENTITY_COLUMNS[entity].filter((c) => c.since === version).map((c) => `ALTER TABLE ${entity} ADD COLUMN ${c.name} ${SQL_TYPES[c.type]}`),
  );
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
  {
    version: 2,
    name: 'audiences, memberships per as-of date, runs',
    statements: [
      `CREATE TABLE audiences (
        id VARCHAR PRIMARY KEY,
        name VARCHAR NOT NULL UNIQUE,
        kind VARCHAR NOT NULL,
        description VARCHAR,
        definition JSON NOT NULL,
        active BOOLEAN NOT NULL DEFAULT TRUE,
        created_at TIMESTAMP NOT NULL,
        updated_at TIMESTAMP NOT NULL
      )`,
      // One row per member per as-of date: the snapshots that movement and trends read.
      `CREATE TABLE memberships (
        audience_id VARCHAR NOT NULL,
        customer_id VARCHAR NOT NULL,
        as_of TIMESTAMP NOT NULL,
        score DOUBLE NOT NULL,
        reasons VARCHAR
      )`,
      `CREATE TABLE runs (
        as_of TIMESTAMP PRIMARY KEY,
        run_at TIMESTAMP NOT NULL,
        customers BIGINT NOT NULL,
        revenue DOUBLE NOT NULL,
        seconds DOUBLE NOT NULL,
        thresholds JSON NOT NULL
      )`,
      // Size and revenue of each audience at each run, and the rule text it ran with (smart thresholds resolved).
      `CREATE TABLE audience_runs (
        as_of TIMESTAMP NOT NULL,
        audience_id VARCHAR NOT NULL,
        size BIGINT NOT NULL,
        revenue DOUBLE NOT NULL,
        rule_text VARCHAR
      )`,
    ],
  },
  {
    version: 3,
    name: 'erasure: tombstones, quarantine rows tied to their customer, store settings',
    statements: [
      `ALTER TABLE quarantine ADD COLUMN customer_id VARCHAR`,
      // A keyed hash of each erased customer id, so that a re-import does not bring the customer back.
      `CREATE TABLE tombstones (hash VARCHAR PRIMARY KEY, erased_at TIMESTAMP NOT NULL)`,
      `CREATE TABLE settings (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)`,
    ],
  },
  {
    version: 4,
    name: 'live memberships from real-time evaluation',
    statements: [
      // What the in-memory evaluator last said for a customer whose events arrived through the API.
      `CREATE TABLE live_memberships (
        customer_id VARCHAR NOT NULL,
        audience_id VARCHAR NOT NULL,
        evaluated_at TIMESTAMP NOT NULL,
        reasons VARCHAR
      )`,
    ],
  },
  {
    version: 5,
    name: 'consent: when each channel was last stated',
    // NULL for consent read from a file that does not say when: any later statement replaces it.
    statements: ['email', 'sms', 'push', 'ads'].map((channel) => `ALTER TABLE customers ADD COLUMN consent_${channel}_at TIMESTAMP`),
  },
  {
    version: 6,
    name: 'CLV scores per run',
    statements: [
      // BG/NBD and Gamma-Gamma scores of every buyer, fitted and scored as of each run's date (src/models/clv).
      `CREATE TABLE customer_clv (
        as_of TIMESTAMP NOT NULL,
        customer_id VARCHAR NOT NULL,
        p_alive DOUBLE,
        expected_orders_90d DOUBLE,
        clv_365d DOUBLE
      )`,
    ],
  },
  {
    version: 7,
    name: 'provenance: the import that inserted each row; how each import chose its mapping',
    statements: [
      // NULL for rows stored before (and for events from the API): no import can take them back.
      ...ENTITIES.map((entity) => `ALTER TABLE ${entity} ADD COLUMN import_id VARCHAR ${PROVENANCE_DEFAULT}`),
      // "preset online-retail", "mapping shop.json", ... as `segmint imports` lists it.
      `ALTER TABLE imports ADD COLUMN mapping_source VARCHAR`,
    ],
  },
  {
    version: 8,
    name: 'events: currency',
    statements: addedColumns(8),
  },
  {
    version: 9,
    name: 'behavior yardsticks per run',
    statements: [
      // Each signal's median and scale over the buyers as of a run (src/behaviors): what a customer's score is measured
      // against, so live answers and explain score one customer as the run scored everyone.
      `CREATE TABLE behavior_signal_stats (
        as_of TIMESTAMP NOT NULL,
        signal VARCHAR NOT NULL,
        median DOUBLE,
        scale DOUBLE,
        mean DOUBLE,
        PRIMARY KEY (as_of, signal)
      )`,
    ],
  },
  {
    version: 10,
    name: 'customer profiles: the last one made per customer',
    statements: [
      // Made when asked for and kept until the next; customer_id makes erasure remove it (privacy.ts).
      `CREATE TABLE customer_profiles (
        customer_id VARCHAR PRIMARY KEY,
        as_of TIMESTAMP NOT NULL,
        generated_at TIMESTAMP NOT NULL,
        profile JSON NOT NULL
      )`,
    ],
  },
  {
    version: 11,
    name: 'on-site campaigns, their events and the submissions of their forms',
    statements: [
      // The definition (content, targeting, schedule, cap, consent, experiment) is one JSON value checked by its zod schema.
      `CREATE TABLE campaigns (
        id VARCHAR PRIMARY KEY,
        name VARCHAR NOT NULL UNIQUE,
        type VARCHAR NOT NULL,
        status VARCHAR NOT NULL,
        priority INTEGER NOT NULL,
        definition JSON NOT NULL,
        created_at TIMESTAMP NOT NULL,
        updated_at TIMESTAMP NOT NULL
      )`,
      // Keyed by the id the snippet gives each event, so a batch sent again adds nothing; customer_id makes erasure reach it.
      `CREATE TABLE campaign_events (
        id VARCHAR PRIMARY KEY,
        campaign_id VARCHAR NOT NULL,
        variant VARCHAR NOT NULL,
        visitor_id VARCHAR NOT NULL,
        customer_id VARCHAR,
        type VARCHAR NOT NULL,
        ts TIMESTAMP NOT NULL,
        url VARCHAR,
        revenue DOUBLE,
        currency VARCHAR,
        received_at TIMESTAMP NOT NULL
      )`,
      // What a form collected, with the consent the visitor gave and the text they were shown when they gave it.
      `CREATE TABLE campaign_submissions (
        event_id VARCHAR PRIMARY KEY,
        campaign_id VARCHAR NOT NULL,
        visitor_id VARCHAR NOT NULL,
        customer_id VARCHAR,
        email VARCHAR,
        answers JSON,
        consent JSON NOT NULL,
        text_shown VARCHAR NOT NULL,
        ts TIMESTAMP NOT NULL
      )`,
    ],
  },
  {
    version: 12,
    name: "experiments: who was assigned to which arm, audiences' standing holdouts",
    statements: [
      // One row per visitor and campaign, written when decide first assigns them an arm (the holdout too, which shows
      // nothing and so sends no impression): the exposures of the campaign's experiment. audiences: the campaign's
      // included audiences the customer was in then, for the report per audience. customer_id makes erasure reach it.
      `CREATE TABLE campaign_assignments (
        campaign_id VARCHAR NOT NULL,
        visitor_id VARCHAR NOT NULL,
        customer_id VARCHAR,
        variant VARCHAR NOT NULL,
        audiences VARCHAR[] NOT NULL,
        ts TIMESTAMP NOT NULL,
        PRIMARY KEY (campaign_id, visitor_id)
      )`,
      // An audience's standing holdout: the share of its members shown no campaign at all (src/campaigns/audience-holdout.ts).
      `CREATE TABLE audience_holdouts (
        audience_id VARCHAR PRIMARY KEY,
        setting JSON NOT NULL,
        updated_at TIMESTAMP NOT NULL
      )`,
      // One row per member and audience with a holdout, written when decide first meets them with a campaign to show.
      `CREATE TABLE audience_holdout_assignments (
        audience_id VARCHAR NOT NULL,
        customer_id VARCHAR NOT NULL,
        arm VARCHAR NOT NULL,
        ts TIMESTAMP NOT NULL,
        PRIMARY KEY (audience_id, customer_id)
      )`,
    ],
  },
  {
    version: 13,
    name: 'audience exports, the hashed identities of the last ad-audience file, export syncs',
    statements: [
      // Each export written: the files hold the members, this row says what was asked and how many.
      `CREATE TABLE audience_exports (
        id VARCHAR PRIMARY KEY,
        audience_id VARCHAR NOT NULL,
        destination VARCHAR,
        format VARCHAR NOT NULL,
        columns JSON NOT NULL,
        as_of TIMESTAMP NOT NULL,
        created_at TIMESTAMP NOT NULL,
        rows INTEGER NOT NULL,
        removals INTEGER,
        path VARCHAR NOT NULL,
        removals_path VARCHAR
      )`,
      // The hashed email and phone the last ad-audience file of an audience held for a destination, and nothing else:
      // the next file's removals are these less its own rows. No customer_id column on purpose, so that an erasure
      // leaves the hashes of an erased customer here until the next export tells the platform to remove them, which
      // then replaces them (docs/exports.md).
      `CREATE TABLE export_identities (
        audience_id VARCHAR NOT NULL,
        destination VARCHAR NOT NULL,
        email_sha256 VARCHAR,
        phone_sha256 VARCHAR
      )`,
      `CREATE TABLE export_syncs (
        id VARCHAR PRIMARY KEY,
        audience_id VARCHAR NOT NULL,
        destination VARCHAR,
        format VARCHAR NOT NULL,
        columns JSON,
        directory VARCHAR,
        created_at TIMESTAMP NOT NULL
      )`,
    ],
  },
  {
    version: 14,
    name: 'webhooks: subscriptions and their durable outbox',
    statements: [
      // A CRM endpoint following one audience; the previous secret still signs until previous_until (rotation).
      `CREATE TABLE webhook_subscriptions (
        id VARCHAR PRIMARY KEY,
        audience_id VARCHAR NOT NULL,
        url VARCHAR NOT NULL,
        events VARCHAR[] NOT NULL,
        consent VARCHAR NOT NULL,
        secret VARCHAR NOT NULL,
        previous_secret VARCHAR,
        previous_until TIMESTAMP,
        created_at TIMESTAMP NOT NULL
      )`,
      // The outbox: a delivery is stored before it is sent, so a stopped process loses none; its id is the
      // webhook-id every attempt carries, so a receiver can drop a duplicate.
      `CREATE TABLE webhook_deliveries (
        id VARCHAR PRIMARY KEY,
        subscription_id VARCHAR NOT NULL,
        type VARCHAR NOT NULL,
        source VARCHAR NOT NULL,
        as_of TIMESTAMP NOT NULL,
        created_at TIMESTAMP NOT NULL,
        status VARCHAR NOT NULL,
        attempts INTEGER NOT NULL,
        next_attempt_at TIMESTAMP,
        last_attempt_at TIMESTAMP,
        last_status INTEGER,
        last_error VARCHAR
      )`,
      // Members by customer_id, so that erasure removes them from every delivery not yet made (privacy.ts).
      `CREATE TABLE webhook_delivery_members (
        delivery_id VARCHAR NOT NULL,
        customer_id VARCHAR NOT NULL,
        PRIMARY KEY (delivery_id, customer_id)
      )`,
    ],
  },
];
