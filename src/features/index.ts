export { CUSTOMER_FEATURES, PRODUCT_FEATURES, FEATURES, findFeature, type FeatureDef, type FeatureEntity, type FeatureType, type FeatureUnit } from './catalog.js';
export { customerFeaturesQuery, type CategoryMedian } from './customer-sql.js';
export { productFeaturesQuery } from './product-sql.js';
export { parseAsOf, defaultAsOf, customerFeatures, featuresOf, categoryMedians, materializeCustomerFeatures, materializeProductFeatures, type FeatureRow } from './compute.js';
