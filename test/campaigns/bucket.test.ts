import { describe, expect, it } from 'vitest';
import { armsSchema, assignVariant, inHoldout, unitHash } from '../../src/campaigns/bucket.js';
import { scipy } from './scipy.js';

const N = 100_000;
const visitors = Array.from({ length: N }, (_, i) => `visitor-${i}`);
const arms = [
  { id: 'control', weight: 45 },
  { id: 'bold-copy', weight: 30 },
  { id: 'discount', weight: 15 },
  { id: 'holdout', weight: 10, holdout: true },
];

describe('assignVariant', () => {
  const assigned = visitors.map((v) => assignVariant('exp-hero-2026', v, arms));

  it('splits 100,000 visitors within 1 percentage point of the weights, and a goodness-of-fit test agrees', () => {
    const counts = arms.map((arm) => assigned.filter((a) => a === arm.id).length);
    for (const [i, arm] of arms.entries()) expect(Math.abs(counts[i]! / N - arm.weight / 100), arm.id).toBeLessThan(0.01);
    const { p } = scipy<{ p: number }>('print(json.dumps({"p": stats.chisquare(data["o"], data["e"]).pvalue}))', {
      o: counts,
      e: arms.map((arm) => (N * arm.weight) / 100),
    });
    expect(p).toBeGreaterThan(0.001);
  });

  it('gives the same visitor the same arm every time, in any order', () => {
    const again = [...visitors].reverse().map((v) => assignVariant('exp-hero-2026', v, arms)).reverse();
    expect(again).toEqual(assigned);
  });

  it('is the documented hash: the first 52 bits of SHA-256("experiment:visitor") over 2^52, as Python computes it', () => {
    const sample = visitors.slice(0, 200);
    const expected = scipy<number[]>(
      'import hashlib\nprint(json.dumps([(int.from_bytes(hashlib.sha256(f"{data[\'e\']}:{v}".encode()).digest()[:8], "big") >> 12) / 2**52 for v in data["v"]]))',
      { e: 'exp-hero-2026', v: sample },
    );
    expect(sample.map((v) => unitHash('exp-hero-2026', v))).toEqual(expected);
  });

  it('draws different experiments independently (hash correlation near zero, arms not associated)', () => {
    const other = visitors.map((v) => assignVariant('exp-popup-2026', v, arms));
    const corr = (a: string, b: string): number => {
      const xs = visitors.map((v) => unitHash(a, v));
      const ys = visitors.map((v) => unitHash(b, v));
      return scipy<number>('print(json.dumps(stats.pearsonr(data["x"], data["y"])[0]))', { x: xs, y: ys });
    };
    // The same experiment correlates perfectly with itself: the measure can fail.
    expect(corr('exp-hero-2026', 'exp-hero-2026')).toBeCloseTo(1, 12);
    expect(Math.abs(corr('exp-hero-2026', 'exp-popup-2026'))).toBeLessThan(0.01);
    const index = new Map(arms.map((arm, i) => [arm.id, i]));
    const table = arms.map(() => arms.map(() => 0));
    assigned.forEach((a, i) => table[index.get(a)!]![index.get(other[i]!)!]!++);
    const { p } = scipy<{ p: number }>('print(json.dumps({"p": stats.chi2_contingency(data)[1]}))', table);
    expect(p).toBeGreaterThan(0.001);
  });

  it('moves only the visitors near a slice edge when a weight changes', () => {
    const shifted = visitors.map((v) => assignVariant('exp-hero-2026', v, [{ id: 'control', weight: 50 }, { id: 'bold-copy', weight: 25 }, ...arms.slice(2)]));
    const moved = shifted.filter((a, i) => a !== assigned[i]);
    expect(moved.length / N).toBeLessThan(0.06);
    expect(moved.every((a) => a === 'control')).toBe(true);
  });
});

describe('inHoldout', () => {
  it('holds out its share of visitors, independently of the experiments', () => {
    const held = visitors.map((v) => inHoldout('aud-vip', v, 0.1));
    expect(Math.abs(held.filter(Boolean).length / N - 0.1)).toBeLessThan(0.01);
    expect(visitors.map((v) => inHoldout('aud-vip', v, 0.1))).toEqual(held);
    // Different from the experiment's own hash: an audience named like the experiment still draws apart.
    const arm = visitors.map((v) => assignVariant('aud-vip', v, arms));
    const index = new Map(arms.map((a, i) => [a.id, i]));
    const table = [arms.map(() => 0), arms.map(() => 0)];
    held.forEach((h, i) => table[h ? 0 : 1]![index.get(arm[i]!)!]!++);
    const { p } = scipy<{ p: number }>('print(json.dumps({"p": stats.chi2_contingency(data)[1]}))', table);
    expect(p).toBeGreaterThan(0.001);
  });

  it('refuses a share outside [0, 1]', () => {
    expect(() => inHoldout('aud-vip', 'v1', 1.5)).toThrow(/audience aud-vip: holdout share must be between 0 and 1, got 1.5/);
  });
});

describe('armsSchema', () => {
  const issues = (value: unknown): string[] => armsSchema.safeParse(value).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
  it('accepts weights that add up to 100', () => expect(issues(arms)).toEqual([]));
  it('names what is wrong', () => {
    expect(issues([{ id: 'a', weight: 50 }, { id: 'b', weight: 40 }])).toEqual([': weights add up to 90, not 100']);
    expect(issues([{ id: 'a', weight: 50 }, { id: 'a', weight: 50 }])).toEqual(['1.id: arm id "a" is used twice']);
    expect(issues([{ id: 'a', weight: 50, holdout: true }, { id: 'b', weight: 50, holdout: true }])).toEqual([': at most one arm may be the holdout']);
    expect(issues([{ id: 'a', weight: 100 }])).toEqual([': an experiment needs at least two arms']);
    expect(issues([{ id: 'a', weight: -10 }, { id: 'b', weight: 110 }])[0]).toMatch(/^0\.weight: /);
  });
});
