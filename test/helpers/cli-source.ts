// The CLI run from its TypeScript source (node --import tsx): the global setup builds fixtures with it while tsc
// compiles the CLI that the tests run.
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv);
