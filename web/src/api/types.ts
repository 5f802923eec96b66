/**
 * The API's answers as the dashboard reads them, taken from the server's own code (`import type` only: nothing of
 * the server reaches the bundle), so a change on the server that the dashboard does not follow fails `npm run lint`.
 */
import type { storeStats } from '../../../src/store/index.js';

export type Stats = Awaited<ReturnType<typeof storeStats>>;
