/**
 * The kinds' names in the registry's order, in a module of their own so that the CLI's help lists them without loading
 * a kind. It imports nothing: index.ts checks that each name is a registered kind, and its test holds the two lists equal.
 */
export const AUDIENCE_KINDS = ['smart', 'rfm', 'rule', 'cluster', 'behavior', 'custom_behavior'] as const;
