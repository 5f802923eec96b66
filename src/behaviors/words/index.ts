import type { LlmConfig } from '../../shared/config.js';
import { ValidationError } from '../../shared/errors.js';
import { sql } from '../../sql/index.js';
import type { Store } from '../../store/index.js';
import { parseRule, printRule } from '../../segments/index.js';
import { loadLexicon, type Lexicon } from './lexicon.js';
import { askLlm } from './llm.js';
import { readWords } from './read.js';
import type { BehaviorPreviewRequest, ReadingReport } from './schema.js';

export * from './schema.js';
export {
  keepPreviewLines,
  keptCatalog,
  previewFeaturesHold,
  previewLinesHold,
  PREVIEW_FEATURES_TABLE,
  PREVIEW_KEYS_TABLE,
  PREVIEW_LINE_TYPES,
  PREVIEW_LINES_TABLE,
  PREVIEW_UNIT_FIELDS,
  PREVIEW_UNITS_TABLE,
} from './lines.js';

/**
 * Custom behaviors from words: `interpret` reads a description into a spec (the embedded interpreter, or the optional
 * LLM checked the same way, with the interpreter as its fallback). What a spec selects is counted by the audiences
 * (src/audiences/behavior-preview.ts, `behaviorPreview` for the CLI and API), which also keep a custom behavior
 * (src/audiences/custom-behaviors.ts, kind `custom_behavior`): the words, the spec and the reading; once active, a run
 * refreshes it and real time evaluates it as a rule. Nothing here reads the audiences: they import this, not the reverse.
 */

export interface InterpretOptions {
  llm?: LlmConfig | undefined;
}

const lexicons = new WeakMap<Store, { signature: string; lexicon: Promise<Lexicon> }>();

/** The store's lexicon, rebuilt when its catalog or events change (a cheap signature, not a rescan). */
async function lexiconOf(store: Store): Promise<Lexicon> {
  const row = await store.one<{ s: string }>(sql`SELECT (SELECT count(*) FROM products) || '/' || (SELECT coalesce(max(id), '') FROM products) || '/' || (SELECT count(*) FROM events) AS s`);
  const signature = row?.s ?? '';
  const cached = lexicons.get(store);
  if (cached?.signature === signature) return cached.lexicon;
  const lexicon = loadLexicon(store);
  lexicons.set(store, { signature, lexicon });
  lexicon.catch(() => lexicons.delete(store));
  return lexicon;
}

export async function interpret(store: Store, text: string, options: InterpretOptions = {}): Promise<{ spec: string; reading: ReadingReport }> {
  const lexicon = await lexiconOf(store);
  let read: ReturnType<typeof readWords>;
  try {
    read = readWords(lexicon, text);
  } catch (err) {
    // Words the embedded reader cannot place may still make sense to the LLM; if it fails too, the reader's error stands.
    if (!options.llm || !(err instanceof ValidationError) || text.trim() === '') throw err;
    const answer = await askLlm(options.llm, lexicon, text);
    if ('failed' in answer) throw err;
    const reading: ReadingReport = {
      source: 'llm',
      status: 'understood',
      message: `the LLM read it as ${answer.spec}: ${answer.explanation}`,
      conditions: [],
      spans: [],
      not_understood: (err.details as { not_understood?: string[] }).not_understood ?? [],
      ambiguities: [],
      llm_fallback: null,
    };
    return { spec: answer.spec, reading };
  }
  const understood = read.conditions.map((c) => `"${c.words}" as ${c.rule}`).join('; ');
  const partly = read.not_understood.length > 0;
  const reading: ReadingReport = {
    source: 'embedded',
    status: partly ? 'partly_understood' : 'understood',
    message: partly
      ? `understood ${understood}; not understood: ${read.not_understood.map((w) => JSON.stringify(w)).join(', ')}`
      : `understood ${understood}`,
    conditions: read.conditions,
    spans: read.spans,
    not_understood: read.not_understood,
    ambiguities: read.ambiguities,
    llm_fallback: null,
  };
  if (!options.llm) return { spec: read.spec, reading };
  const answer = await askLlm(options.llm, lexicon, text);
  if ('failed' in answer) return { spec: read.spec, reading: { ...reading, llm_fallback: `${answer.failed}; the embedded reading is used` } };
  return { spec: answer.spec, reading: { ...reading, source: 'llm', message: `the LLM read it as ${answer.spec}: ${answer.explanation}` } };
}

/** Words (and optionally a refined spec) -> the spec: the one read from the words, or the edited one as the rule checker prints it. */
export async function readSpec(store: Store, request: BehaviorPreviewRequest, options: InterpretOptions = {}): Promise<{ spec: string; reading: ReadingReport }> {
  const { spec, reading } = await interpret(store, request.text, options);
  return request.spec === undefined ? { spec, reading } : { spec: printRule(parseRule(request.spec)), reading: { ...reading, source: 'edited' } };
}
