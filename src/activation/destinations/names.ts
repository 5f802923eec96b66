/**
 * The destinations' names in the registry's order (index.ts, where each destination must bear one of them; its test
 * holds the two equal), in a module of their own so that the CLI's help lists them without loading the normalisers.
 */
export const DESTINATION_NAMES = ['meta', 'google', 'tiktok'] as const;
export type DestinationName = (typeof DESTINATION_NAMES)[number];
