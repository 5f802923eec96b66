import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ValidationError } from '../shared/errors.js';

/**
 * Bucketing: which arm of an experiment a visitor sees, and whether a visitor sits in an audience's standing holdout.
 * Both are pure functions of ids, so a returning visitor lands where they landed before on any server, with nothing
 * stored. The hash (docs/experiments.md): the first 52 bits of SHA-256 over the UTF-8 text `${scope}:${visitorId}`,
 * divided by 2^52, a uniform number in [0, 1). The experiment id and the audience id are different scopes (the
 * holdout's text starts with `holdout:`), so an audience's holdout and an experiment's arms are drawn independently.
 */

const armSchema = z.object({
  id: z.string().min(1).describe('the arm (variant) id, unique within the experiment'),
  weight: z.number().positive().finite().describe('percent of the experiment\'s visitors who see this arm'),
  holdout: z.boolean().optional().describe('true for the arm that is shown nothing: it measures what the campaign adds'),
});
export type Arm = z.infer<typeof armSchema>;

/**
 * The one check of an experiment's arms, for the stats input and for a campaign's variants and holdout alike: weights
 * are percents adding up to 100 (refused naming the sum), ids differ, at most one holdout.
 */
export const armsSchema = z
  .array(armSchema)
  .min(2, 'an experiment needs at least two arms')
  .superRefine((arms, ctx) => {
    const seen = new Set<string>();
    for (const [i, arm] of arms.entries()) {
      if (seen.has(arm.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `arm id "${arm.id}" is used twice` });
      seen.add(arm.id);
    }
    const total = arms.reduce((sum, arm) => sum + arm.weight, 0);
    const holdout = arms.some((arm) => arm.holdout) ? ' with the holdout' : '';
    if (Math.abs(total - 100) > 1e-9) ctx.addIssue({ code: 'custom', message: `weights add up to ${total}${holdout}, not 100` });
    if (arms.filter((arm) => arm.holdout).length > 1) ctx.addIssue({ code: 'custom', message: 'at most one arm may be the holdout' });
  });

const TWO_POW_52 = 2 ** 52;

/** The documented hash: SHA-256 of `${scope}:${visitorId}`, its first 52 bits as a fraction of 2^52, in [0, 1). */
export function unitHash(scope: string, visitorId: string): number {
  const digest = createHash('sha256').update(`${scope}:${visitorId}`, 'utf8').digest();
  // 52 bits (32 + 20): a double holds them exactly, so the value is below 1 and uniform on a 2^-52 grid.
  return (digest.readUInt32BE(0) * 2 ** 20 + (digest.readUInt32BE(4) >>> 12)) / TWO_POW_52;
}

/**
 * The arm a visitor sees in an experiment: the hash of (experiment, visitor) falls in one arm's slice of [0, 1), the
 * slices laid out in the order given with widths proportional to the weights. Changing weights moves only visitors
 * near the slice edges; reordering arms reshuffles, so the order is part of the experiment.
 */
export function assignVariant(experimentId: string, visitorId: string, arms: readonly Pick<Arm, 'id' | 'weight'>[]): string {
  const total = arms.reduce((sum, arm) => sum + arm.weight, 0);
  if (arms.length === 0 || !(total > 0) || arms.some((arm) => !(arm.weight >= 0))) {
    throw new ValidationError(`experiment ${experimentId}: arms need non-negative weights with a positive sum`, { experiment: experimentId });
  }
  const point = unitHash(experimentId, visitorId) * total;
  let edge = 0;
  for (const arm of arms) {
    edge += arm.weight;
    if (point < edge) return arm.id;
  }
  // Rounding in the running sum can leave the last sliver uncovered: it belongs to the last weighted arm.
  return arms.findLast((arm) => arm.weight > 0)!.id;
}

/** Whether a visitor is in an audience's standing holdout (`share` in [0, 1]): shown no campaign for that audience. */
export function inHoldout(audienceId: string, visitorId: string, share: number): boolean {
  if (!(share >= 0 && share <= 1)) throw new ValidationError(`audience ${audienceId}: holdout share must be between 0 and 1, got ${share}`, { audience: audienceId, share });
  return unitHash(`holdout:${audienceId}`, visitorId) < share;
}
