export { profileSchema, statementPaths, LOOK_SLOTS, type Profile, type Fact, type LookItem, type LookSlot } from './schema.js';
export { customerProfile, makeProfile, profileAsOf, saveProfile, storedProfile, useStore, DEFAULT_PROFILE_SEED, type ProfileOptions, type StoreUse } from './profile.js';
export { checkEvidence, type EvidenceCheck } from './evidence.js';
export { narratorFor, type Narrator, type NarratorName } from './narrators.js';
export { profileText } from './text.js';
export { audienceCustomers, batchAsOf, keptProfiles, profilesOf, DEFAULT_LANES, type BatchOptions } from './batch.js';
export { audienceProfileGroups, groupBriefs, profileGroupsSchema, type ProfileGroups } from './groups.js';
