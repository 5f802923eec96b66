import { describe, expect, it } from 'vitest';
import { CODES, Column, DOUBLES, FLAGS, REALS, TIMES } from '../../src/audiences/columns.js';

describe('a column as narrow as its values', () => {
  it('holds every value exactly, widening the first time one does not fit, with the values before it kept', () => {
    const cases = [
      { ladder: CODES, narrow: [0, 1, 255], wide: [256, 70_000, 2 ** 32 - 1], bytes: [1, 2, 4] },
      { ladder: REALS, narrow: [NaN, 3, -1, 0.5, 2 ** 24], wide: [19.99, 0.1, 2 ** 24 + 1], bytes: [4, 8] },
      { ladder: TIMES, narrow: [0, 1_700_000_000_000, (2 ** 32 - 1) * 1000], wide: [1_700_000_000_123, -86_400_000, 2 ** 32 * 1000], bytes: [4, 8] },
      { ladder: DOUBLES, narrow: [NaN, 2 ** 52 + 1, 0.1], wide: [], bytes: [8] },
      { ladder: FLAGS, narrow: [-1, 0, 1], wide: [], bytes: [1] },
    ];
    for (const { ladder, narrow, wide, bytes } of cases) {
      const values = [...narrow, ...wide];
      const column = new Column(ladder, 4);
      expect(column.byteLength).toBe(4 * bytes[0]!);
      values.forEach((v, i) => {
        if (i >= column.length) column.grow(column.length * 2);
        column.set(i, v);
        // The reader of the rung the column is at reads as get does (each rung has its own: columns.ts).
        if (i === narrow.length - 1) expect(narrow.map((_, j) => column.reader()(j))).toEqual(narrow);
      });
      expect(values.map((_, i) => column.get(i))).toEqual(values);
      expect(values.map((_, i) => column.reader()(i))).toEqual(values);
      expect(column.byteLength).toBe(column.length * bytes.at(-1)!);
      // Grown a little at a time, as the view's rows grow by an eighth: each growth gives the length asked, no more.
      for (const size of [column.length + 1, column.length + 3, column.length + 4]) {
        column.grow(size);
        expect(column.length).toBe(size);
      }
      expect(values.map((_, i) => column.get(i))).toEqual(values);
      expect(column.byteLength).toBe(column.length * bytes.at(-1)!);
      expect(Column.rungFor(ladder, narrow)).toBe(0);
      expect(Column.rungFor(ladder, values)).toBe(bytes.length - 1);
    }
  });
});
