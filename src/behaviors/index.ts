/** Suggested behaviors: scoring specs for customers and products, their scores, affinities and descriptions. */
export { CUSTOMER_BEHAVIORS, PRODUCT_BEHAVIORS, BEHAVIOR_SPECS, BEHAVIOR_ENTITIES, DEFAULT_MIN_ORDERS, type BehaviorSpec, type BehaviorEntity, type Signal } from './specs.js';
export { findProductSignal, type ProductSignal } from './product-signals.js';
export { BEHAVIOR_TABLES, PRODUCT_SIGNALS_TABLE, customerScored, customerScoresAsOf, loadSignalStats, storeSignalStats, customerSource, productSource, materializeCustomerBehaviors, materializeProductBehaviors, type CustomerBehaviorOptions, type Materialized } from './materialize.js';
export type { SignalStats } from './score.js';
export { memberOne, reasonsOne, scoreOne, type OneScore } from './score-one.js';
export { materializeAffinities } from './affinities.js';
export { describeBehaviors, behaviorDescriptionSchema, type BehaviorDescription } from './describe.js';
export { clusterAgreement, clusterAgreementSchema, type ClusterAgreement } from './agreement.js';
