import type { Destination } from './destination.js';
import { google } from './google.js';
import { meta } from './meta.js';
import { tiktok } from './tiktok.js';
import type { DestinationName } from './names.js';

export type { Destination } from './destination.js';

/** The one place a destination is registered: the API's enum, the CLI's choices and the dashboard's list follow. */
export const DESTINATIONS = [meta, google, tiktok] as const satisfies ReadonlyArray<Destination & { name: DestinationName }>;
export { DESTINATION_NAMES, type DestinationName } from './names.js';

export function destinationOf(name: DestinationName): Destination {
  return DESTINATIONS.find((d) => d.name === name)!;
}
