export { CUSTOMER_FEATURES, PRODUCT_FEATURES, findFeature, customerFeatureValuesSchema, type CustomerFeatureValues, type FeatureDef, type FeatureEntity, type FeatureType, type FeatureUnit } from './catalog.js';
export { customerFeaturesQuery, eventFlagsSeen, storeFlags, type CategoryMedian, type FlaggedEvent, type StoreFlags } from './customer-sql.js';
export { FEATURE_WINDOWS, liveFeatures, mediansByCategory, partialAggregates, RunningAggregates, productFacts, type CustomerEvents, type PartialAggregates, type ProductFacts, type StoreInputs } from './live-aggregates.js';
export { priceTiersQuery, productFeaturesQuery } from './product-sql.js';
export { parseAsOf } from './as-of.js';
export { defaultAsOf, customerFeatures, customerFeatureReport, customerFeaturesSchema, featuresOf, categoryMedians, featureTableParts, materializeCustomerFeatures, materializeFeatureTable, materializeProductFeatures, type CustomerFeatures, type FeatureRow } from './compute.js';
export { FEATURE_TABLE, FEATURE_TABLE_AS_OF, FEATURE_TABLE_BUILT, featureTableAsOf, keptWithFeatureTable, requireFeatureTable } from './table.js';
export { STYLE_TAGS, type StyleTag } from './catalog.js';
