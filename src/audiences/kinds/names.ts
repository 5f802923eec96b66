import type { AudienceKind } from './index.js';

/**
 * The kinds' names in the registry's order (index.ts; its test holds the two equal), in a module of their own so that
 * the CLI's help lists them without loading a kind.
 */
export const AUDIENCE_KINDS = ['smart', 'rfm', 'rule', 'cluster', 'behavior', 'custom_behavior'] as const satisfies readonly AudienceKind[];
