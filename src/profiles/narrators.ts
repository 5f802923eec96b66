import type { LlmConfig } from '../shared/config.js';
import type { ProfileFacts } from './facts.js';
import { llmNarrator } from './llm-narrator.js';
import { NARRATOR_VERSION, type Narration } from './narrate.js';
import type { Fact, LookItem, NARRATORS } from './schema.js';

/**
 * Who writes a profile's text. The embedded narrator (narrate.ts) always writes a draft: it needs no network and is
 * the fallback. Another narrator rewrites that draft from the same facts; makeProfile then checks its text against
 * the schema and the evidence rule, and keeps the draft, saying why, when anything is wrong.
 */
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

/** What the narrators may use: the optional OpenAI-compatible endpoint (SEGMINT_LLM_*). */
export interface NarratorSettings {
  llm?: LlmConfig | undefined;
}

const embedded: Narrator = { name: 'embedded', version: NARRATOR_VERSION, write: ({ draft }) => Promise.resolve(draft) };

/** Each narrator, or undefined when the settings do not allow it. */
const REGISTRY: { readonly [N in NarratorName]: (settings: NarratorSettings) => Narrator | undefined } = {
  embedded: () => embedded,
  llm: (settings) => (settings.llm ? llmNarrator(settings.llm) : undefined),
};

/** Most preferred first: a configured endpoint writes the text; the embedded narrator always can. */
const PREFERENCE: readonly NarratorName[] = ['llm', 'embedded'];

export const EMBEDDED_NARRATOR = embedded;

/** The narrator a profile is asked of: the most preferred one the settings allow. */
export function narratorFor(settings: NarratorSettings): Narrator {
  for (const name of PREFERENCE) {
    const narrator = REGISTRY[name](settings);
    if (narrator) return narrator;
  }
  return embedded;
}
