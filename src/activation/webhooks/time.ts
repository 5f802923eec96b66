import { epochMs, formatTimestamp, fromMillis, type Sql } from '../../sql/index.js';

/** An instant of the deliverer's clock (ms since the epoch) as a SQL timestamp; the clock is injectable, not now(). */
export const at = (ms: number): Sql => fromMillis(Math.round(ms));

/** A timestamp column as the API and CLI write dates. */
export const text = (column: Sql): Sql => formatTimestamp(column);

/** A timestamp column as ms since the epoch. */
export const ms = (column: Sql): Sql => epochMs(column);
