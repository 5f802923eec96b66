export { RUN_STAGES, runPipeline, runReportSchema, type RunOptions, type RunReport } from './run.js';
export { fitClusters, fitOnLatestRun } from './clusters.js';
