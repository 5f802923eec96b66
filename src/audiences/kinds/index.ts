import type { z } from 'zod';
import { join, sql, type Sql } from '../../sql/index.js';
import { behaviorKind } from './behavior.js';
import { clusterKind } from './cluster.js';
import { customBehaviorKind } from './custom-behavior.js';
import type { AudienceKindSpec, ComputedByRule, ComputedBySql } from './kind.js';
import { AUDIENCE_KINDS as KIND_NAMES } from './names.js';
import { rfmKind } from './rfm.js';
import { ruleKind } from './rule.js';
import { smartKind } from './smart.js';

/**
 * The registry of audience kinds: the one place a kind is registered. Everything else (the definition schema, runs,
 * live answers, explain, listings, the API's enums) reads this list.
 */
export const KINDS = [smartKind, rfmKind, ruleKind, clusterKind, behaviorKind, customBehaviorKind] as const;

type Registered = (typeof KINDS)[number];
export type AudienceKind = Registered['kind'];
export type AudienceDefinition = z.infer<Registered['definition']>;
/** A kind as the code that handles every kind alike sees it. */
export type AnyKind = AudienceKindSpec<AudienceKind, AudienceDefinition>;

/** The kinds' names (names.ts), each checked here to be a registered kind. */
export const AUDIENCE_KINDS = KIND_NAMES satisfies readonly AudienceKind[];

/** The definition schemas, one per kind, for the discriminated union of schema.ts. */
type Definitions<T extends readonly unknown[]> = { -readonly [I in keyof T]: T[I] extends { definition: infer S } ? S : never };
export const KIND_DEFINITIONS = KINDS.map((k) => k.definition) as unknown as Definitions<typeof KINDS>;

/** Every kind, in registry order, as code that handles them alike sees them. */
export const ALL_KINDS: readonly AnyKind[] = KINDS.map((k) => k as AnyKind);

const byKind = new Map<string, AnyKind>(ALL_KINDS.map((k) => [k.kind, k]));

export function kindOf(kind: AudienceKind): AnyKind {
  return byKind.get(kind)!;
}

export const isComputedByRule = (k: AnyKind): k is AnyKind & { compute: ComputedByRule<AudienceDefinition> } => k.compute.by === 'rule';
export const isComputedBySql = (k: AnyKind): k is AnyKind & { compute: ComputedBySql<AudienceKind, AudienceDefinition> } => k.compute.by === 'sql';

/** The kinds whose live answers are the latest run's members (positions in the whole population). */
export const SNAPSHOT_KINDS: readonly AudienceKind[] = KINDS.filter((k) => k.compute.by === 'sql' && k.compute.live === 'snapshot').map((k) => k.kind);

/** `column IN (kinds)`, FALSE for none. */
export const kindIn = (column: Sql, kinds: readonly AudienceKind[]): Sql => (kinds.length ? sql`${column} IN (${join(kinds.map((k) => sql`${k}`))})` : sql`FALSE`);

/** The listing order of a kind column, as SQL: ascending `order`, then whatever the caller adds. */
export const kindOrder = (column: Sql): Sql => sql`CASE ${column} ${join(KINDS.map((k) => sql`WHEN ${k.kind} THEN ${k.order}`), ' ')} END`;
