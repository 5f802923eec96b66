import { z } from 'zod';
import { audienceReferences, parseRule } from '../../segments/index.js';
import { defineKind } from './kind.js';

/** A rule a user wrote, kept as its canonical text. */
export const ruleKind = defineKind({
  kind: 'rule',
  label: 'Your audiences',
  noun: 'a rule audience',
  about: 'A rule a user wrote in the segments language (docs/segments.md), kept as its canonical text.',
  definition: z.strictObject({ kind: z.literal('rule'), text: z.string().min(1) }),
  order: 2,
  userDefined: true,
  hiddenWhenInactive: false,
  landmark: false,
  describe: (d) => d.text,
  references: (d) => audienceReferences(parseRule(d.text)),
  withRule: (_, text) => ({ kind: 'rule' as const, text }),
  compute: { by: 'rule', rule: (d) => d.text },
});
