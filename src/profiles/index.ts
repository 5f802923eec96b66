export { profileSchema, statementPaths, type Profile, type Fact, type LookItem, type LookSlot } from './schema.js';
export { customerProfile, customerProfiles, keptProfiles, makeProfile, profileAsOf, saveProfiles, useStore, type MakeOptions, type ProfileOptions, type StoreUse } from './profile.js';
export { checkEvidence, type EvidenceCheck } from './evidence.js';
export type { Narrator, NarratorName } from './narrator-types.js';
export { profileText } from './text.js';
export { audienceCustomers, batchAsOf, profilesOf } from './batch.js';
export { DEFAULT_LANES } from './lanes.js';
export { PROFILE_SEEDS } from './seeds.js';
export { audienceProfileGroups, profileGroupsSchema, type ProfileGroups } from './groups.js';
