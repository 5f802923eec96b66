import type { Command } from 'commander';
import { parseAsOf } from '../features/as-of.js';
import { PROFILE_SEEDS } from '../profiles/seeds.js';
import type { LlmConfig } from '../shared/config.js';
import { integerOption } from './options.js';

/** The options `profile` and `profiles` share, as the API's profile routes take them; `refresh` says what it remakes. */
export function withProfileOptions(command: Command, refresh: string): Command {
  return command
    .option('--refresh', refresh)
    .option('--as-of <date>', "the history read (default: the latest run's date, else the day after the last event)")
    .option('--seed <n>', `seeds the choice of phrasings and looks (default ${PROFILE_SEEDS.default})`);
}

export interface ProfileFlags {
  refresh?: boolean;
  asOf?: string;
  seed?: string;
}

export function profileOptions(o: ProfileFlags, llm: LlmConfig | undefined) {
  return {
    refresh: o.refresh ?? false,
    asOf: o.asOf ? parseAsOf(o.asOf, '--as-of') : undefined,
    seed: o.seed === undefined ? undefined : integerOption(o.seed, '--seed', { min: PROFILE_SEEDS.min, max: PROFILE_SEEDS.max, what: `a whole number from ${PROFILE_SEEDS.min} to ${PROFILE_SEEDS.max}` }),
    llm,
  };
}
