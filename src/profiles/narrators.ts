/**
 * Who writes a profile's text. The embedded narrator (narrate.ts) always writes a draft: it needs no network and is
 * the fallback. Another narrator rewrites that draft from the same facts; makeProfile then checks its text against
 * the schema and the evidence rule, and keeps the draft, saying why, when anything is wrong.
 */
import type { LlmConfig } from '../shared/config.js';
import { llmNarrator } from './llm-narrator.js';
import { NARRATOR_VERSION } from './narrate.js';
import type { Narrator, NarratorName } from './narrator-types.js';

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
