/**
 * The seeds a profile may be made with (the API and the CLI check this range) and the one it is made with unless a
 * caller asks for another; a module of its own so that the CLI's help names them without loading the profiles.
 */
export const PROFILE_SEEDS = { min: 0, max: 2 ** 31 - 1, default: 1 } as const;
