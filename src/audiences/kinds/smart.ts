import { z } from 'zod';
import { resolveTemplate, SMART_SEGMENTS } from '../../segments/index.js';
import { slug } from '../../shared/slug.js';
import { defineKind } from './kind.js';

/** A built-in smart segment: a rule template filled with the store's thresholds at each run. */
export const smartKind = defineKind({
  kind: 'smart',
  label: 'Smart segments',
  noun: 'a smart segment',
  about: "A built-in rule template (Champions, At Risk, ...) filled with the store's own thresholds at each run.",
  definition: z.strictObject({ kind: z.literal('smart'), template: z.string().min(1) }),
  order: 0,
  userDefined: false,
  hiddenWhenInactive: false,
  landmark: true,
  builtins: () =>
    SMART_SEGMENTS.map((s) => ({ id: `smart-${slug(s.name)}`, name: s.name, description: s.description, definition: { kind: 'smart' as const, template: s.template } })),
  describe: (d, ruleText) => ruleText ?? d.template,
  compute: { by: 'rule', rule: (d, thresholds) => thresholds && resolveTemplate(d.template, thresholds) },
});
