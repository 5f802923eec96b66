import { useMemo, useRef, useState, type FormEvent } from 'react';
import { api } from '../api/client.js';
import type { Audience, RulePreview, RuleVocabulary } from '../api/types.js';
import { useAction, useApi } from '../api/use-api.js';
import { useDebounced, type Debounced } from '../api/use-debounced.js';
import { useRuleCheck } from '../api/use-rule-check.js';
import { RuleError } from '../components/rule-error.js';
import { ActionStatus, ErrorLine } from '../components/state.js';
import { count, day, percent } from '../format.js';
import { navigate } from '../router.js';
import { pathOf } from '../routes.js';

/** How long typing must pause before a valid rule's size is counted. */
const PREVIEW_DELAY_MS = 600;

/**
 * The rule builder: the rule is checked as it is typed (the server's own parser: error at its position, with the
 * names it suggests), names are offered from the feature catalog, and a valid rule's size is counted before saving.
 */
export function NewAudiencePage() {
  const vocabulary = useApi<RuleVocabulary>('/v1/rules/vocabulary');
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [rule, setRule] = useState('');
  const [cursor, setCursor] = useState(0);
  const editor = useRef<HTMLTextAreaElement>(null);
  const { valid, problem: error, failure } = useRuleCheck(rule);
  const preview = useDebounced<RulePreview>(valid ? rule : null, PREVIEW_DELAY_MS, (text, signal) => api<RulePreview>('/v1/rules/preview', { method: 'POST', body: { rule: text }, signal }));
  const [save, startSave] = useAction(() => api<Audience>('/v1/audiences', { method: 'POST', body: { name, rule, ...(description ? { description } : {}) } }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const created = await startSave();
    if (created) navigate(pathOf('audience', { id: created.id }));
  };

  const word = wordAt(rule, cursor);
  const suggestions = useMemo(() => (vocabulary.status === 'ready' ? complete(vocabulary.data, word.text) : []), [vocabulary, word.text]);
  const insert = (text: string) => {
    const next = rule.slice(0, word.start) + text + rule.slice(word.end);
    setRule(next);
    const at = word.start + text.length;
    setCursor(at);
    requestAnimationFrame(() => {
      editor.current?.focus();
      editor.current?.setSelectionRange(at, at);
    });
  };

  return (
    <form onSubmit={(e) => void submit(e)} noValidate>
      <section aria-labelledby="rule-title">
        <h2 id="rule-title">Rule</h2>
        <div className="field">
          <label htmlFor="rule">Who is in the audience</label>
          <textarea
            id="rule"
            ref={editor}
            rows={4}
            value={rule}
            spellCheck={false}
            aria-invalid={error ? true : undefined}
            aria-describedby="rule-help rule-state"
            placeholder='orders >= 3 and recency_days <= 60'
            onChange={(e) => {
              setRule(e.target.value);
              setCursor(e.target.selectionStart);
            }}
            onSelect={(e) => setCursor(e.currentTarget.selectionStart)}
          />
          <p id="rule-help" className="muted small">
            Features compared with numbers or text, joined with and / or / not; <code>customer.country = &quot;DE&quot;</code>; <code>count(order where category = &quot;shoes&quot;, last 90 days) &gt;= 2</code>;{' '}
            <code>in audience &quot;Big Spenders&quot;</code>.
          </p>
        </div>
        {suggestions.length > 0 ? (
          <div aria-label="Names that fit what you are typing" role="group" className="suggest">
            {suggestions.map((s) => (
              <button type="button" className="quiet" key={s.insert} onClick={() => insert(s.insert)} title={s.detail}>
                {s.label}
              </button>
            ))}
          </div>
        ) : null}
        <div id="rule-state" aria-live="polite">
          {error ? <RuleError text={rule} error={error} onFix={setRule} /> : null}
          {failure ? <ErrorLine error={failure} /> : null}
          {valid ? <Preview preview={preview} /> : null}
        </div>
      </section>
      <section aria-labelledby="save-title">
        <h2 id="save-title">Save</h2>
        <div className="row">
          <div className="field">
            <label htmlFor="audience-name">Name</label>
            <input id="audience-name" value={name} maxLength={120} onChange={(e) => setName(e.target.value)} required />
          </div>
          <div className="field grow">
            <label htmlFor="audience-description">Description (optional)</label>
            <input id="audience-description" value={description} maxLength={1000} onChange={(e) => setDescription(e.target.value)} />
          </div>
          <button type="submit" disabled={!valid || !name.trim() || save.status === 'running'}>
            Save audience
          </button>
        </div>
        {!valid && rule.trim() ? <p className="muted small">A rule can be saved once it is valid.</p> : null}
        <ActionStatus action={save} running="Saving" />
      </section>
    </form>
  );
}

function Preview({ preview }: { preview: Debounced<RulePreview> }) {
  if (preview.error) return <ErrorLine error={preview.error} />;
  if (!preview.value) return <p className="muted">Valid. Counting its customers…</p>;
  const p = preview.value;
  return (
    <p className="ok preview">
      Valid: <strong>{count(p.size)}</strong> of {count(p.customers)} customers ({percent(p.customers ? p.size / p.customers : null)}), {percent(p.revenue_share)} of revenue, at the run as
      of {day(p.as_of)}. Stored as <code>{p.rule}</code>.
    </p>
  );
}

/** The word (letters, digits, _ and .) around the cursor, which a suggestion replaces. */
function wordAt(text: string, cursor: number): { text: string; start: number; end: number } {
  let start = cursor;
  while (start > 0 && /[\w.]/.test(text[start - 1]!)) start--;
  let end = cursor;
  while (end < text.length && /[\w.]/.test(text[end]!)) end++;
  return { text: text.slice(start, cursor), start, end };
}

interface Suggestion {
  label: string;
  insert: string;
  detail: string;
}

/** Names from the catalog that start with the word being typed (at least one letter), best first, eight at most. */
function complete(v: RuleVocabulary, word: string): Suggestion[] {
  if (!word) return [];
  const w = word.toLowerCase();
  const all: Suggestion[] = [
    ...v.features.map((f) => ({ label: f.name, insert: f.name, detail: `${f.description}${f.unit ? ` (${f.unit})` : ''}` })),
    ...v.customer_fields.map((f) => ({ label: `customer.${f}`, insert: `customer.${f}`, detail: 'a customer field' })),
    ...v.aggregates.map((a) => ({ label: `${a}(…)`, insert: `${a}(order)`, detail: `${a} of events of one type` })),
  ];
  return all.filter((s) => s.insert.toLowerCase().startsWith(w) && s.insert.toLowerCase() !== w).slice(0, 8);
}
