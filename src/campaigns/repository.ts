import { listAudiences } from '../audiences/index.js';
import { ConflictError, invalidInput, NotFoundError, ValidationError } from '../shared/errors.js';
import { slug } from '../shared/slug.js';
import { formatTimestamp, now, sql, update } from '../sql/index.js';
import type { Store } from '../store/index.js';
import { actionsFrom, campaignInputSchema, goalSchema, instantMs, sizingSchema, STATUS_MOVES, type Campaign, type CampaignStatus, type ParsedCampaignInput } from './schema.js';
import { typeSpec, type CampaignType } from './types/index.js';

interface CampaignRow {
  id: string;
  name: string;
  type: CampaignType;
  status: CampaignStatus;
  priority: number;
  definition: string;
  created_at: string;
  updated_at: string;
}

type Definition = Pick<Campaign, 'content' | 'targeting' | 'schedule' | 'frequency_cap' | 'consent' | 'experiment'>;

const columns = sql`id, name, type, status, priority, definition::VARCHAR AS definition,
  ${formatTimestamp(sql`created_at`)} AS created_at, ${formatTimestamp(sql`updated_at`)} AS updated_at`;

function toCampaign({ definition, ...row }: CampaignRow): Campaign {
  const def = JSON.parse(definition) as Definition;
  // Experiments stored before goals and plans existed take their defaults.
  const experiment = def.experiment && { ...def.experiment, goal: goalSchema.parse(def.experiment.goal ?? {}), plan: sizingSchema.parse(def.experiment.plan ?? {}) };
  return { ...row, actions: actionsFrom(row.status), ...def, experiment };
}

/** `YYYY-MM-DD HH:MM:SS` (UTC), as every answer writes times. */
function utcText(t: string): string {
  return new Date(instantMs(t)).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * Audience ids for the ids or names a campaign targets: an unknown one is a 400 naming where it stands, so a typo
 * never silently widens or narrows who sees a campaign.
 */
async function audienceIds(store: Store, side: 'include' | 'exclude', given: readonly string[]): Promise<string[]> {
  if (given.length === 0) return [];
  const audiences = await listAudiences(store);
  return given.map((g, i) => {
    const found = audiences.find((a) => a.id === g) ?? audiences.find((a) => a.name === g);
    if (!found) throw new ValidationError(`targeting.audiences.${side}[${i}]: no audience "${g}"`, { field: `targeting.audiences.${side}.${i}`, audience: g });
    return found.id;
  });
}

/** The definition kept for a checked input: audiences as ids, times in UTC, the type's consent unless the campaign says otherwise. */
async function definitionOf(store: Store, raw: unknown): Promise<{ name: string; type: CampaignType; priority: number; definition: Definition }> {
  const checked = campaignInputSchema.safeParse(raw);
  if (!checked.success) throw invalidInput(checked.error.issues, 'campaign');
  const input = checked.data as unknown as ParsedCampaignInput;
  const { include, exclude } = input.targeting.audiences;
  const schedule = Object.fromEntries(Object.entries(input.schedule).map(([k, v]) => [k, utcText(v)]));
  return {
    name: input.name,
    type: input.type,
    priority: input.priority,
    definition: {
      content: input.content,
      targeting: { ...input.targeting, audiences: { include: await audienceIds(store, 'include', include), exclude: await audienceIds(store, 'exclude', exclude) } },
      schedule,
      frequency_cap: input.frequency_cap,
      consent: input.consent === undefined ? typeSpec(input.type).defaultConsent : input.consent,
      experiment: input.experiment ?? null,
    },
  };
}

export async function listCampaigns(store: Store, status?: CampaignStatus): Promise<Campaign[]> {
  const where = status === undefined ? sql`` : sql`WHERE status = ${status}`;
  const rows = await store.all<CampaignRow>(sql`SELECT ${columns} FROM campaigns ${where} ORDER BY priority DESC, created_at, id`);
  return rows.map(toCampaign);
}

/** By id or by name. */
export async function getCampaign(store: Store, idOrName: string): Promise<Campaign> {
  const row = await store.one<CampaignRow>(sql`SELECT ${columns} FROM campaigns WHERE id = ${idOrName} OR name = ${idOrName} ORDER BY id = ${idOrName} DESC LIMIT 1`);
  if (!row) throw new NotFoundError(`no campaign "${idOrName}"`, { campaign: idOrName });
  return toCampaign(row);
}

async function nameTaken(store: Store, name: string, except?: string): Promise<void> {
  const other = await store.one(sql`SELECT 1 FROM campaigns WHERE name = ${name} ${except === undefined ? sql`` : sql`AND id <> ${except}`}`);
  if (other) throw new ConflictError(`a campaign named "${name}" exists`, { name });
}

/** A new campaign, a draft until activated. */
export async function createCampaign(store: Store, raw: unknown): Promise<Campaign> {
  const c = await definitionOf(store, raw);
  await nameTaken(store, c.name);
  let id = `cmp-${slug(c.name)}`;
  for (let n = 2; await store.one(sql`SELECT 1 FROM campaigns WHERE id = ${id}`); n++) id = `cmp-${slug(c.name)}-${n}`;
  await store.run(sql`INSERT INTO campaigns VALUES (${id}, ${c.name}, ${c.type}, 'draft', ${c.priority}, ${JSON.stringify(c.definition)}, ${now()}, ${now()})`);
  return getCampaign(store, id);
}

/** Replaces a campaign's definition (its status stays); an ended campaign is kept as it ran. */
export async function replaceCampaign(store: Store, idOrName: string, raw: unknown): Promise<Campaign> {
  const current = await getCampaign(store, idOrName);
  if (current.status === 'ended') throw new ConflictError(`campaign "${current.id}" has ended; create a new one`, { campaign: current.id });
  const c = await definitionOf(store, raw);
  if (c.type !== current.type) throw new ValidationError(`type: campaign "${current.id}" is a ${current.type}, not a ${c.type}`, { field: 'type' });
  await nameTaken(store, c.name, current.id);
  await store.run(sql`${update(sql`campaigns`)} name = ${c.name}, priority = ${c.priority}, definition = ${JSON.stringify(c.definition)}, updated_at = ${now()} WHERE id = ${current.id}`);
  return getCampaign(store, current.id);
}

export async function setCampaignStatus(store: Store, idOrName: string, status: CampaignStatus): Promise<Campaign> {
  const current = await getCampaign(store, idOrName);
  if (current.status === status) return current;
  if (!STATUS_MOVES[current.status].includes(status)) {
    throw new ConflictError(`campaign "${current.id}" is ${current.status}: it cannot become ${status}`, { campaign: current.id, status: current.status });
  }
  await store.run(sql`${update(sql`campaigns`)} status = ${status}, updated_at = ${now()} WHERE id = ${current.id}`);
  return getCampaign(store, current.id);
}

/** Only a draft goes: a campaign that has run keeps its events and results, and is ended instead. */
export async function deleteCampaign(store: Store, idOrName: string): Promise<Campaign> {
  const current = await getCampaign(store, idOrName);
  if (current.status !== 'draft') throw new ConflictError(`campaign "${current.id}" is ${current.status}: only a draft can be deleted; end it instead`, { campaign: current.id });
  await store.run(sql`DELETE FROM campaigns WHERE id = ${current.id}`);
  return current;
}
