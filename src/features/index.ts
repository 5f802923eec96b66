export { CUSTOMER_FEATURES, PRODUCT_FEATURES, FEATURES, findFeature, type FeatureDef, type FeatureEntity, type FeatureType, type FeatureUnit } from './catalog.js';
export { customerFeaturesQuery } from './customer-sql.js';
export { productFeaturesQuery } from './product-sql.js';
export { parseAsOf, defaultAsOf, customerFeatures, featuresOf, materializeCustomerFeatures, materializeProductFeatures, type FeatureRow } from './compute.js';
