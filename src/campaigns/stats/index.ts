export { experimentReport } from './report.js';
export { requiredSample } from './power.js';
export {
  experimentInputSchema,
  experimentReportSchema,
  planSchema,
  type ArmTotals,
  type ExperimentInput,
  type ExperimentReport,
  type Plan,
} from './schema.js';
