/** Chunks of a batch of profiles under way at once, each on its own connection (batch.ts); the CLI's help names it. */
export const DEFAULT_LANES = 2;
