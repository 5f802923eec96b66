import { Command, CommanderError } from 'commander';
import { errorMessage, SegmintError, UsageError } from '../shared/errors.js';
import { registerAnalysis } from './commands/analysis.js';
import { registerAudiences } from './commands/audiences.js';
import { registerBehavior } from './commands/behavior.js';
import { registerBehaviors } from './commands/behaviors.js';
import { registerCampaigns } from './commands/campaigns.js';
import { registerClusters } from './commands/clusters.js';
import { registerClv } from './commands/clv.js';
import { registerDemo } from './commands/demo.js';
import { registerExports } from './commands/exports.js';
import { registerFeatures } from './commands/features.js';
import { registerImport } from './commands/import.js';
import { registerImports } from './commands/imports.js';
import { registerKeys } from './commands/keys.js';
import { registerProfile } from './commands/profile.js';
import { registerProfiles } from './commands/profiles.js';
import { registerServe } from './commands/serve.js';
import { registerStats } from './commands/stats.js';
import { registerWebhooks } from './commands/webhooks.js';

export function buildProgram(): Command {
  const program = new Command('segmint')
    .description('Segments, behaviors, profiles and targeting from a shop’s customers, products and events')
    .option('--db <path>', 'the store: a DuckDB file, chdb:DIR for embedded ClickHouse, or clickhouse://host:8123/database (default: $SEGMINT_DB or ./segmint.duckdb)')
    .option('--json', 'machine-readable output on stdout')
    .option('--memory <size>', 'memory for the whole process, e.g. 2GB (default: $SEGMINT_MEMORY_LIMIT or 40% of the machine, at most 4GB)')
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`segmint: ${text.replace(/^error: /, '').trim()}\n`) });
  registerImport(program);
  registerImports(program);
  registerFeatures(program);
  registerStats(program);
  registerAudiences(program);
  registerAnalysis(program);
  registerClusters(program);
  registerBehavior(program);
  registerBehaviors(program);
  registerClv(program);
  registerProfile(program);
  registerProfiles(program);
  registerCampaigns(program);
  registerExports(program);
  registerDemo(program);
  registerServe(program);
  registerKeys(program);
  registerWebhooks(program);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

/** Runs the CLI and returns the process exit code: 0 on success, 1 on a failed command, 2 on a usage error. */
export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    process.stderr.write(`segmint: ${errorMessage(err).split('\n')[0]}\n`);
    if (err instanceof SegmintError && err.hint) process.stderr.write(`${err.hint}\n`);
    return err instanceof UsageError ? 2 : 1;
  }
}
