import { ConflictError, NotFoundError, ValidationError } from '../shared/errors.js';
import { slug } from '../shared/slug.js';
import { insertIfAbsent, now, sql, update } from '../sql/index.js';
import type { Store } from '../store/index.js';
import { parseRule, printRule } from '../segments/index.js';
import { ALL_KINDS, kindIn, kindOf, kindOrder } from './kinds/index.js';
import { audienceDefinitionSchema, type Audience, type AudienceDefinition, type AudienceKind, type CreateAudience, type DeletedAudience, type UpdateAudience } from './schema.js';

interface AudienceRow {
  id: string;
  name: string;
  kind: AudienceKind;
  description: string | null;
  definition: string;
  active: boolean;
}

function toAudience(r: AudienceRow): Audience {
  return { ...r, definition: audienceDefinitionSchema.parse(JSON.parse(r.definition)) };
}

export async function listAudiences(store: Store): Promise<Audience[]> {
  await ensureBuiltins(store);
  const rows = await store.all<AudienceRow>(sql`SELECT id, name, kind, description, definition::VARCHAR AS definition, active
    FROM audiences ORDER BY ${kindOrder(sql`kind`)}, created_at, name`);
  return rows.map(toAudience);
}

/** By id or by name. */
export async function getAudience(store: Store, idOrName: string): Promise<Audience> {
  await ensureBuiltins(store);
  const row = await store.one<AudienceRow>(sql`SELECT id, name, kind, description, definition::VARCHAR AS definition, active
    FROM audiences WHERE id = ${idOrName} OR name = ${idOrName} ORDER BY id = ${idOrName} DESC LIMIT 1`);
  if (!row) throw new NotFoundError(`no audience "${idOrName}"`, { audience: idOrName });
  return toAudience(row);
}

const BUILTIN_KINDS = ALL_KINDS.filter((k) => k.builtins !== undefined);
const BUILTINS = BUILTIN_KINDS.flatMap((k) => k.builtins!().map((b) => ({ ...b, kind: k.kind })));

/** The built-in audiences of every kind that has some exist in every store; adding them is idempotent and cheap once done. */
async function ensureBuiltins(store: Store): Promise<void> {
  const present = await store.one<{ n: number }>(sql`SELECT count(*) AS n FROM audiences WHERE ${kindIn(sql`kind`, BUILTIN_KINDS.map((k) => k.kind))}`);
  if (present?.n === BUILTINS.length) return;
  for (const b of BUILTINS) {
    await store.run(insertIfAbsent(sql`audiences`, sql`id`, [b.id, b.name, b.kind, b.description, JSON.stringify(b.definition), sql`TRUE`, now(), now()]));
  }
}

/** The audiences (names) a definition reads through `in audience`, as its kind says. */
const referencesOf = (d: AudienceDefinition): string[] => kindOf(d.kind).references?.(d) ?? [];

/**
 * Refuses a definition whose `in audience` references name an unknown audience or lead back to the audience itself
 * (directly or through others).
 */
async function checkReferences(store: Store, name: string, definition: AudienceDefinition): Promise<void> {
  const all = await listAudiences(store);
  const byName = new Map(all.map((a) => [a.name, a]));
  const walk = (refs: string[], path: string[]): void => {
    for (const ref of refs) {
      if (ref === name) throw new ValidationError(`"${name}" would depend on itself: ${[...path, ref].join(' -> ')}`, { cycle: [...path, ref] });
      const target = byName.get(ref);
      if (!target) throw new ValidationError(`in audience "${ref}": no audience has that name`, { audience: ref });
      walk(referencesOf(target.definition), [...path, ref]);
    }
  };
  walk(referencesOf(definition), [name]);
}

/** Stores a new rule audience; `createAudience` (define.ts) also computes it. */
export async function insertAudience(store: Store, input: CreateAudience): Promise<Audience> {
  return insertDefinition(store, input.name, { kind: 'rule', text: canonical(input.rule) }, { description: input.description ?? null, active: true });
}

/** A name means one audience: `in audience` and lookups by name read it. */
async function assertNameFree(store: Store, name: string): Promise<void> {
  if (await store.one(sql`SELECT 1 FROM audiences WHERE name = ${name}`)) throw new ConflictError(`an audience named "${name}" exists already`, { name });
}

/**
 * Stores a new audience of a user-defined kind under a name no audience has (409 otherwise), its id made from the
 * name; nothing is computed.
 */
export async function insertDefinition(store: Store, name: string, definition: AudienceDefinition, o: { description: string | null; active: boolean }): Promise<Audience> {
  await checkReferences(store, name, definition);
  await assertNameFree(store, name);
  let id = slug(name);
  for (let i = 2; await store.one(sql`SELECT 1 FROM audiences WHERE id = ${id}`); i++) id = `${slug(name)}-${i}`;
  await store.run(sql`INSERT INTO audiences VALUES (${id}, ${name}, ${definition.kind}, ${o.description}, ${JSON.stringify(definition)}, ${o.active}, ${now()}, ${now()})`);
  return getAudience(store, id);
}

/** Stores a change to an audience; `updateAudience` (define.ts) also computes it. */
export async function changeAudience(store: Store, idOrName: string, input: UpdateAudience): Promise<Audience> {
  const current = await getAudience(store, idOrName);
  if (!kindOf(current.kind).userDefined && (input.rule !== undefined || input.name !== undefined)) {
    throw new ValidationError(`"${current.name}" is a built-in ${current.kind} audience: copy its rule into a new audience to change it`, { audience: current.id });
  }
  const name = input.name ?? current.name;
  if (name !== current.name) await assertNameFree(store, name);
  const kind = kindOf(current.kind);
  const definition: AudienceDefinition = input.rule !== undefined && kind.withRule ? kind.withRule(current.definition, canonical(input.rule)) : current.definition;
  if (kind.userDefined) await checkReferences(store, name, definition);
  await store.run(sql`${update(sql`audiences`)} name = ${name}, description = ${input.description ?? current.description},
    definition = ${JSON.stringify(definition)}, active = ${input.active ?? current.active}, updated_at = ${now()} WHERE id = ${current.id}`);
  return getAudience(store, current.id);
}

/** Deleting keeps past snapshots out of the way too: an audience's memberships go with it. */
export async function deleteAudience(store: Store, idOrName: string): Promise<DeletedAudience> {
  const current = await getAudience(store, idOrName);
  if (!kindOf(current.kind).userDefined) throw new ValidationError(`"${current.name}" is built in; deactivate it instead`, { audience: current.id });
  const dependents = (await listAudiences(store)).filter((a) => referencesOf(a.definition).includes(current.name));
  if (dependents.length) {
    throw new ValidationError(`"${current.name}" is used by ${dependents.map((d) => `"${d.name}"`).join(', ')}`, { audience: current.id });
  }
  await store.transaction(async () => {
    await store.run(sql`DELETE FROM memberships WHERE audience_id = ${current.id}`);
    await store.run(sql`DELETE FROM audience_runs WHERE audience_id = ${current.id}`);
    await store.run(sql`DELETE FROM audiences WHERE id = ${current.id}`);
  });
  return { deleted: current.id };
}

function canonical(text: string): string {
  // Parsing validates names, types and positions; the stored text is the canonical print of what was understood.
  return printRule(parseRule(text));
}
