/**
 * Adjusted Rand index of two labelings of the same items (Hubert and Arabie, 1985): 1 for identical partitions up to
 * renaming, about 0 for independent ones. Labels may be any strings or numbers. A test's yardstick (a clustering
 * against the personas it was generated from): the product never compares two labelings.
 */
export function adjustedRandIndex(a: readonly (string | number)[], b: readonly (string | number)[]): number {
  if (a.length !== b.length) throw new RangeError(`labelings differ in length: ${a.length} and ${b.length}`);
  const n = a.length;
  const pairs = (m: number): number => (m * (m - 1)) / 2;
  const table = new Map<string, number>();
  const rows = new Map<string | number, number>();
  const cols = new Map<string | number, number>();
  for (let i = 0; i < n; i++) {
    const key = `${typeof a[i]}:${String(a[i])}\u0000${typeof b[i]}:${String(b[i])}`;
    table.set(key, (table.get(key) ?? 0) + 1);
    rows.set(a[i]!, (rows.get(a[i]!) ?? 0) + 1);
    cols.set(b[i]!, (cols.get(b[i]!) ?? 0) + 1);
  }
  let index = 0;
  for (const m of table.values()) index += pairs(m);
  let sumA = 0;
  for (const m of rows.values()) sumA += pairs(m);
  let sumB = 0;
  for (const m of cols.values()) sumB += pairs(m);
  const expected = (sumA * sumB) / pairs(n);
  const max = (sumA + sumB) / 2;
  return max === expected ? 1 : (index - expected) / (max - expected);
}
