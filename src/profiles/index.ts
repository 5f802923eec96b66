export { profileSchema, statementPaths, LOOK_SLOTS, type Profile, type Fact, type LookItem, type LookSlot } from './schema.js';
export { customerProfile, makeProfile, profileAsOf, saveProfile, storedProfile, DEFAULT_PROFILE_SEED, type ProfileOptions } from './profile.js';
export { profileText } from './text.js';
