import { z } from 'zod';
import { previewSchema, readingSchema, readSpec, type InterpretOptions } from '../behaviors/words/index.js';
import { featureTableAsOf } from '../features/index.js';
import { NotFoundError, ValidationError } from '../shared/errors.js';
import type { Store } from '../store/index.js';
import { parseRule, printRule } from '../segments/index.js';
import { previewSpec } from './behavior-preview.js';
import { computeAtLatestRun, describeAudience, updateAudience } from './define.js';
import { customBehaviorDefinition, isCustomBehavior } from './kinds/custom-behavior.js';
import { getAudience, insertDefinition } from './repository.js';
import { sizedAudienceSchema, type SizedAudience } from './schema.js';

/*
 * Custom behaviors: a behavior made from a marketer's words (or a spec they edited), stored as an audience of kind
 * custom_behavior with its words, spec and reading. Created as a draft (inactive: left out of runs and listings)
 * unless asked to be active; an active one is computed at once against the latest run, then at every run and live.
 */

export const createBehaviorSchema = z.strictObject({
  name: z.string().trim().min(1).max(120).describe('unique among all audiences'),
  text: z.string().max(2000).optional().describe('the description in words; read into the spec unless `spec` is given too'),
  spec: z.string().min(1).max(20_000).optional().describe('the rule to keep instead of the one read from the words (after refining it); alone, a behavior without words'),
  active: z.boolean().optional().describe('false (the default): a draft, not computed by runs; true: an audience from now on'),
});
export type CreateBehavior = z.infer<typeof createBehaviorSchema>;

export const customBehaviorSchema = sizedAudienceSchema.pick({ id: true, name: true, active: true, as_of: true, size: true, revenue_share: true, note: true }).extend({
  text: z.string().describe('the words it was made from; empty for a spec alone'),
  spec: z.string().describe('its rule in the segments language'),
  reading: readingSchema.nullable().describe('how the words were read; null without words'),
});
export type CustomBehavior = z.infer<typeof customBehaviorSchema>;

export const createdBehaviorSchema = customBehaviorSchema.extend({
  preview: previewSchema.nullable().describe('what the spec selects on the feature table of the latest run; null before any run'),
});
export type CreatedBehavior = z.infer<typeof createdBehaviorSchema>;

/** A sized audience that is a custom behavior, as the behaviors routes answer it. */
export function asCustomBehavior(a: SizedAudience): CustomBehavior {
  if (!isCustomBehavior(a)) throw new NotFoundError(`"${a.name}" is not a custom behavior`, { behavior: a.id });
  const { id, name, active, as_of, size, revenue_share, note } = a;
  return { id, name, active, as_of, size, revenue_share, note, text: a.definition.text, spec: a.definition.spec, reading: a.definition.reading };
}

/** One custom behavior by id or name; 404 for any other audience. */
export async function describeBehavior(store: Store, idOrName: string): Promise<CustomBehavior> {
  const a = await getAudience(store, idOrName).catch(() => undefined);
  if (!a || !isCustomBehavior(a)) throw new NotFoundError(`no custom behavior "${idOrName}"`, { behavior: idOrName });
  return asCustomBehavior(await describeAudience(store, a.id));
}

/**
 * Creates a custom behavior from words (read by the interpreter; "could not understand" when none of them is) and/or
 * a spec (checked by the rule checker), with its preview on the latest run's features.
 */
export async function createBehavior(store: Store, input: CreateBehavior, options: InterpretOptions = {}): Promise<CreatedBehavior> {
  const text = input.text?.trim() ?? '';
  if (text === '' && input.spec === undefined) throw new ValidationError('could not understand the description: it is empty (give text, or a spec)', { not_understood: [] });
  const { spec, reading } = text === '' ? { spec: printRule(parseRule(input.spec!)), reading: null } : await readSpec(store, { text, ...(input.spec === undefined ? {} : { spec: input.spec }) }, options);
  const a = await insertDefinition(store, input.name, customBehaviorDefinition(text, spec, reading), { description: reading?.message ?? null, active: input.active ?? false });
  if (a.active) await computeAtLatestRun(store, [a.id]);
  return { ...(await describeBehavior(store, a.id)), preview: (await featureTableAsOf(store)) ? await previewSpec(store, spec) : null };
}

/** Activates (computed at once against the latest run) or deactivates a custom behavior. */
export async function setBehaviorActive(store: Store, idOrName: string, active: boolean): Promise<CustomBehavior> {
  const b = await describeBehavior(store, idOrName);
  return asCustomBehavior(await updateAudience(store, b.id, { active }));
}
