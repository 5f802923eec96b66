import type { ProfileFacts } from './facts.js';
import type { Narration } from './narrate.js';
import type { Fact, LookItem, NARRATORS } from './schema.js';

/* What a narrator is and is given: the narrators import these, and the registry (narrators.ts) imports the narrators. */

export type NarratorName = (typeof NARRATORS)[number];

export interface NarrationInput {
  facts: ProfileFacts;
  /** The facts as the profile lists them: all another narrator is told about the customer. */
  factList: readonly Fact[];
  /** The looks, by occasion: the only products a narrator may suggest. */
  looks: ReadonlyMap<string, LookItem[]>;
  /** The embedded narrator's text and evidence. */
  draft: Narration;
}

export interface Narrator {
  readonly name: NarratorName;
  /** Written into the profile's `generator.version`. */
  readonly version: string;
  write(input: NarrationInput): Promise<Narration | { failed: string }>;
}
