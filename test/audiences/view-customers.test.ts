import { describe, expect, it } from 'vitest';
import { ViewCustomers } from '../../src/audiences/view-customers.js';

/**
 * The build reads RFM cells by column, a range of customers at a time (snapshotMemberRows by Store.vectors), and a
 * customer holds the number of their list among the distinct ones: each customer must get back their own cells,
 * lists shared across reads, a null reason told from the text "null".
 */
const rows = (cells: Array<[customer: string, id: string, reasons: string | null]>) => ({
  customer_id: cells.map(([c]) => c),
  id: cells.map(([, id]) => id),
  name: cells.map(([, id]) => `name ${id}`),
  kind: cells.map(() => 'rfm'),
  reasons: cells.map(([, , r]) => r),
});
const cell = (id: string, reasons: string | null) => ({ id, name: `name ${id}`, kind: 'rfm', reasons });

describe("the view's customers' RFM cells", () => {
  it('give each customer the cells read for them, read in parts, a list shared by the customers who have it', () => {
    const customers = new ViewCustomers(0);
    const first = customers.cellNumbers(rows([['a', 'r1', 'R 5'], ['a', 'r2', null], ['b', 'r1', 'R 5'], ['c', 'r1', 'R 5'], ['c', 'r2', null]]));
    const ids = customers.built(['a', 'b', 'c', 'd'], first);
    const second = customers.cellNumbers(rows([['e', 'r1', 'R 5'], ['e', 'r2', null], ['f', 'r2', 'null'], ['g', 'r1', 'R 5'], ['h', 'r2', null]]));
    const more = customers.built(['e', 'f', 'g', 'h'], second);
    const cellsOf = (numbers: Int32Array) => Array.from(numbers, (i) => customers.cellsOf(i));
    expect(cellsOf(ids)).toEqual([[cell('r1', 'R 5'), cell('r2', null)], [cell('r1', 'R 5')], [cell('r1', 'R 5'), cell('r2', null)], []]);
    expect(cellsOf(more)).toEqual([[cell('r1', 'R 5'), cell('r2', null)], [cell('r2', 'null')], [cell('r1', 'R 5')], [cell('r2', null)]]);
    // One list for a, c and e, one for b and g: held once.
    expect(first.get('a')).toBe(first.get('c'));
    expect(second.get('e')).toBe(first.get('a'));
    expect(second.get('g')).toBe(first.get('b'));
    expect(new Set([...first.values(), ...second.values()]).size).toBe(4);
  });
});
