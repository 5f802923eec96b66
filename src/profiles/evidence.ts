import { statementPaths, type Profile } from './schema.js';

/**
 * The evidence rule every narrator's text must keep (docs/profiles.md): each statement cites facts of the profile,
 * and each number it writes is a value of one of them. The embedded narrator is tested against it; another
 * narrator's text is checked with it before it is used.
 */

const NUMBER = /\d+(?:\.\d+)?/g;

/**
 * Every number a fact's value holds, as a statement may write it: as is, rounded to a whole number, as a whole percent
 * of a share, and the numbers inside its text ("10/20", "35-44").
 */
function numbersOf(value: unknown): number[] {
  if (typeof value === 'number') return [value, Math.round(value), Math.round(value * 100), Math.round(value * 100) / 100];
  if (typeof value === 'string') return (value.match(NUMBER) ?? []).map(Number);
  if (Array.isArray(value)) return value.flatMap(numbersOf);
  if (value && typeof value === 'object') return Object.values(value).flatMap(numbersOf);
  return [];
}

export interface EvidenceCheck {
  /** One line per breach, naming the statement's path: empty when the profile keeps the rule. */
  problems: string[];
  /** Numbers written in the statements, each found among the cited facts' values or listed as a problem. */
  numbers: number;
}

export function checkEvidence(profile: Profile): EvidenceCheck {
  const facts = new Map(profile.facts.map((f) => [f.id, f.value]));
  const statements = statementPaths(profile);
  const problems: string[] = [];
  let numbers = 0;
  for (const path of Object.keys(profile.evidence)) if (!statements.has(path)) problems.push(`${path}: evidence for no statement`);
  for (const [path, statement] of statements) {
    const cited = profile.evidence[path];
    if (!cited) {
      problems.push(`${path}: no evidence`);
      continue;
    }
    const unknown = cited.filter((id) => !facts.has(id));
    if (unknown.length) problems.push(`${path}: cites ${unknown.join(', ')}, not facts of the profile`);
    if (typeof statement !== 'string') continue;
    const allowed = new Set(cited.flatMap((id) => numbersOf(facts.get(id))));
    for (const n of statement.match(NUMBER) ?? []) {
      numbers++;
      if (!allowed.has(Number(n))) problems.push(`${path}: ${n} in "${statement}" is not a value of ${cited.join(', ')}`);
    }
  }
  return { problems, numbers };
}
