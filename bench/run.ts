/** `npm run bench`: every benchmark in turn, or one with `--only ingest|growth|engines|audiences|exports|behaviors|clv|kmeans|server|events|decide|campaign-events|alloc|experiments|words|dashboard|webhooks|profiles` (profiles only when asked). Other flags pass through. */
import { spawnSync } from 'node:child_process';
import { arg } from './lib.js';

const only = arg('only', 'all');
// Benchmarks that start the CLI run the compiled output: compile the current source first.
const built = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
if (built.status !== 0) process.exit(built.status ?? 1);
const args = process.argv.slice(2).filter((a, i, all) => a !== '--only' && all[i - 1] !== '--only');
// exports, behaviors, clv and words read the store the audiences benchmark builds.
for (const name of ['ingest', 'growth', 'engines', 'audiences', 'exports', 'behaviors', 'clv', 'kmeans', 'server', 'events', 'decide', 'campaign-events', 'alloc', 'experiments', 'words', 'dashboard', 'webhooks', 'profiles']) {
  if (only !== name && (only !== 'all' || name.startsWith('profile'))) continue;
  const r = spawnSync(process.execPath, ['--import', 'tsx', `bench/${name}.ts`, ...args], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
