export { bgnbdLogLikelihood, expectedIfAlive, expectedOrders, fitBgNbd, pAlive, type BgNbdFit, type BgNbdParams, type Frequency } from './bgnbd.js';
export { calibrationHoldout, compareHoldout, holdoutPurchases, type Calibration, type HoldoutComparison, type HoldoutGroup } from './calibration.js';
export { discountSchema, monthlyRate, MONTH_DAYS, scoreCustomers, type ClvModel, type Discount, type Horizons, type Scores } from './clv.js';
export { clvFitSchema, fitClv, fitSummary, MIN_REPEAT_BUYERS, modelOf, type ClvFit, type ModelFit } from './fit.js';
export { expectedSpend, fitGammaGamma, gammaGammaLogLikelihood, type GammaGammaFit, type GammaGammaParams, type Spend } from './gamma-gamma.js';
export { CLV_FEATURES, clvFeatures, customerClv, customerClvSchema, materializeClvFeatures, storeRunScores, type ClvFeatureValues, type CustomerClv, type StoreScores } from './score.js';
export { loadClvFit, NoModelError, saveClvFit } from './store.js';
export { digamma, lgamma } from './special.js';
export { customerSummaries, lastDayBefore, spendOf, TIME_UNITS, type Summary, type TimeUnit } from './summary.js';
