import { createHash } from 'node:crypto';

/**
 * TEMPORARY stand-in for `assignVariant` of src/campaigns/bucket.ts, which the experiment-statistics branch
 * (expstats) writes; the lead replaces the import in decide.ts with '../campaigns/bucket.js' and deletes this file.
 * Same signature: the variant (or 'holdout') for a visitor, stable for the same experiment and visitor.
 */
export function assignVariant(experimentId: string, visitorId: string, variants: ReadonlyArray<{ id: string; weight: number }>): string {
  const total = variants.reduce((s, v) => s + v.weight, 0);
  const point = (createHash('sha256').update(`${experimentId}:${visitorId}`).digest().readUInt32BE(0) / 2 ** 32) * total;
  let edge = 0;
  for (const v of variants) {
    edge += v.weight;
    if (point < edge) return v.id;
  }
  return variants.at(-1)!.id;
}
