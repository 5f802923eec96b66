export { runPipeline, runReportSchema, type RunReport } from './run.js';
export { fitClusters, fitOnLatestRun, refitClusterings } from './clusters.js';
