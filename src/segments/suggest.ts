/** Edit distance (insertions, deletions, substitutions) with two rows of the table; names here are short. */
export function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitute = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitute));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The closest candidates to a misspelt name, best first. The cut-off grows with the name's length so that a short
 * typo does not suggest every short name, while a transposition in a long name (recnecy_days) still finds it.
 * Case is ignored: keywords are case-insensitive, so users reasonably try `Orders` too.
 */
export function suggest(name: string, candidates: readonly string[], limit = 3): string[] {
  const wanted = name.toLowerCase();
  const cutoff = Math.max(2, Math.ceil(wanted.length / 3));
  return candidates
    .map((candidate, index) => ({ candidate, index, distance: levenshtein(wanted, candidate.toLowerCase()) }))
    .filter((c) => c.distance <= cutoff)
    .sort((x, y) => x.distance - y.distance || x.index - y.index)
    .slice(0, limit)
    .map((c) => c.candidate);
}
