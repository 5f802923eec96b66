export { kmeans, type KMeansOptions, type KMeansResult } from './kmeans.js';
export { chooseK, elbowOf, type ChooseKOptions, type ChooseKResult, type KScore } from './choose-k.js';
export { fitScaling, median, scaleRow, unscaleRow, Z_LIMIT, type ColumnScaling, type Scaled, type Transform } from './scaling.js';
export { silhouettes } from './silhouette.js';
export { chiSquareSurvival, normalQuantile, normalTwoSided, studentQuantile, studentTwoSided } from './distributions.js';
