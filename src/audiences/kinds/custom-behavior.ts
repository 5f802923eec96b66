import { z } from 'zod';
import { readingSchema, type ReadingReport } from '../../behaviors/words/schema.js';
import { audienceReferences, parseRule } from '../../segments/index.js';
import { defineKind, type KindAudience } from './kind.js';

const definition = z.strictObject({
  kind: z.literal('custom_behavior'),
  text: z.string().describe("the marketer's words; empty when it was written as a spec alone"),
  spec: z.string().min(1).describe('the rule it is computed with, in the segments language, as the rule checker printed it'),
  reading: readingSchema.nullable().describe('how the words were read into the spec; null without words'),
});
type CustomBehaviorDefinition = z.infer<typeof definition>;

/**
 * A behavior a marketer described in words (src/behaviors/words): kept with the words, the rule they were read into
 * (the spec, which the user may have edited) and how they were read. A draft (inactive) is left out of runs and
 * listings; an active one is a rule audience in all but name, so the rule engine computes it at every run, evaluates
 * it live and explains it clause by clause.
 */
export const customBehaviorKind = defineKind({
  kind: 'custom_behavior',
  label: 'Custom behaviors',
  noun: 'a custom behavior',
  about: 'A behavior described in your own words, read into a rule (the spec); drafts are inactive, active ones are computed at every run and in real time.',
  definition,
  order: 4,
  userDefined: true,
  hiddenWhenInactive: true,
  landmark: false,
  describe: (d) => d.spec,
  references: (d) => audienceReferences(parseRule(d.spec)),
  // A rule edited through the audience routes is the behavior's spec edited: the words and their reading stay.
  withRule: (d, spec) => ({ ...d, spec, reading: d.reading && { ...d.reading, source: 'edited' as const } }),
  compute: { by: 'rule', rule: (d) => d.spec },
});

export const customBehaviorDefinition = (text: string, spec: string, reading: ReadingReport | null): CustomBehaviorDefinition => ({ kind: 'custom_behavior', text, spec, reading });

/** Whether an audience is a custom behavior (the behaviors listing and routes keep to them). */
export const isCustomBehavior = <A extends { kind: string; definition: unknown }>(a: A): a is A & KindAudience<CustomBehaviorDefinition> => a.kind === customBehaviorKind.kind;
