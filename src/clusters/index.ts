export { CLUSTER_METHODS, CLUSTER_METHOD_NAMES, type ClusterMethod } from './methods.js';
export { assign, loadModel, loadModels, reasonsOf, leaningText, MODEL_KINDS, type Assignment, type ClusteringModel, type ClusterInfo, type FeatureLean, type ModelKind } from './model.js';
export { assignmentQuery } from './assign-sql.js';
export { clusteringReportSchema, fitClustering, type ClusteringReport } from './fit.js';
export { describeClustering } from './describe.js';
export { fitProductClustering } from './products.js';
export { clusterSample, clusterSampleSchema, drawSample, SAMPLE_SIZE, type ClusterSample } from './sample.js';
