import type { ReactNode } from 'react';
import { count } from '../format.js';

/**
 * A table that may be wider than a phone: it scrolls inside this box, which keyboards can focus and scroll, and
 * screen readers announce by its label.
 */
function TableBox({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="table-wrap" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}

/** Previous / next over a paged API answer (`limit`, `offset`, `total`). */
export function Pager({ total, limit, offset, onPage, what }: { total: number; limit: number; offset: number; onPage: (offset: number) => void; what: string }) {
  const last = Math.min(offset + limit, total);
  const paged = total > limit || offset > 0;
  return (
    <nav className="pager" aria-label={`Pages of ${what}`}>
      {paged ? (
        <button type="button" className="quiet" disabled={offset === 0} onClick={() => onPage(Math.max(0, offset - limit))}>
          Previous
        </button>
      ) : null}
      <span>
        {count(total === 0 ? 0 : offset + 1)}–{count(last)} of {count(total)} {what}
      </span>
      {paged ? (
        <button type="button" className="quiet" disabled={last >= total} onClick={() => onPage(offset + limit)}>
          Next
        </button>
      ) : null}
    </nav>
  );
}

/** One column of a DataTable: its heading and how a row fills its cell. */
export interface Column<T> {
  head: ReactNode;
  cell: (row: T, index: number) => ReactNode;
  /** Figures, right-aligned in heading and cells. */
  num?: boolean;
  /** The cell's own class (a figure column gets `num` already). */
  className?: string;
  /** The cell names its row for screen readers (`<th scope="row">`). */
  rowHeader?: boolean;
}

/**
 * A labelled, scrollable table of rows: every page's tables share their structure here, so headings keep
 * `scope="col"`, figures their alignment, and row headers their scope, wherever a table is drawn.
 */
export function DataTable<T>({
  label,
  caption,
  className,
  columns,
  rows,
  rowKey,
  rowClassName,
}: {
  label: string;
  caption?: ReactNode;
  className?: string;
  columns: readonly Column<T>[];
  rows: readonly T[];
  rowKey: (row: T, index: number) => string | number;
  rowClassName?: (row: T) => string | undefined;
}) {
  const classOf = (c: Column<T>) => [c.num ? 'num' : '', c.className ?? ''].filter(Boolean).join(' ') || undefined;
  return (
    <TableBox label={label}>
      <table className={className}>
        {caption === undefined ? null : <caption>{caption}</caption>}
        <thead>
          <tr>
            {columns.map((c, i) => (
              <th key={i} scope="col" className={c.num ? 'num' : undefined}>
                {c.head}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, r) => (
            <tr key={rowKey(row, r)} className={rowClassName?.(row)}>
              {columns.map((c, i) =>
                c.rowHeader ? (
                  <th key={i} scope="row" className={classOf(c)}>
                    {c.cell(row, r)}
                  </th>
                ) : (
                  <td key={i} className={classOf(c)}>
                    {c.cell(row, r)}
                  </td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </TableBox>
  );
}
