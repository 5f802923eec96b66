import type { ReactNode } from 'react';
import { count } from '../format.js';

/**
 * A table that may be wider than a phone: it scrolls inside this box, which keyboards can focus and scroll, and
 * screen readers announce by its label.
 */
export function TableBox({ label, children }: { label: string; children: ReactNode }) {
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
