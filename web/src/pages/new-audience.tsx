import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { api, ApiError } from '../api/client.js';
import type { Audience, RuleCheck, RulePreview, RuleVocabulary } from '../api/types.js';
import { useAction, useApi } from '../api/use-api.js';
import { ActionStatus, ErrorLine } from '../components/state.js';
import { count, day, percent } from '../format.js';
import { navigate } from '../router.js';
import { pathOf } from '../routes.js';

/** How long typing must pause before the rule is checked, and before its size is counted. */
const CHECK_DELAY_MS = 250;
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
  const check = useDebounced<RuleCheck>(rule.trim() ? rule : null, CHECK_DELAY_MS, (text, signal) => api<RuleCheck>('/v1/rules/check', { method: 'POST', body: { rule: text }, signal }));
  const valid = check.value?.valid === true && check.for === rule;
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
  const error = check.value?.valid === false && check.for === rule ? check.value.error : null;

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
          {error ? <RuleError text={rule} error={error} onSuggestion={(s) => setRule(replaceAt(rule, error.position?.offset ?? 0, error.found ?? '', s))} /> : null}
          {check.error ? <ErrorLine error={check.error} /> : null}
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

function RuleError({ text, error, onSuggestion }: { text: string; error: Extract<RuleCheck, { valid: false }>['error']; onSuggestion: (name: string) => void }) {
  const p = error.position;
  const line = p ? (text.split('\n')[p.line - 1] ?? '') : '';
  return (
    <div className="rule-error" role="alert">
      <p className="error">{error.message}</p>
      {p ? (
        <pre className="rule" aria-label={`line ${p.line}, column ${p.column}`}>
          {line}
          {'\n'}
          {' '.repeat(Math.max(0, p.column - 1))}^
        </pre>
      ) : null}
      {error.suggestions.length > 0 ? (
        <p>
          Did you mean{' '}
          {error.suggestions.map((s) => (
            <button type="button" className="quiet" key={s} onClick={() => onSuggestion(s)}>
              {s}
            </button>
          ))}
          ?
        </p>
      ) : null}
    </div>
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

interface Debounced<T> {
  value: T | null;
  /** The input the value answers; a value for an older input is not shown as current. */
  for: string | null;
  error: ApiError | null;
}

/** Calls `fetch` with `input` once it has stayed the same for `delay` ms; a newer input cancels the call before. */
function useDebounced<T>(input: string | null, delay: number, fetch: (input: string, signal: AbortSignal) => Promise<T>): Debounced<T> {
  const [state, setState] = useState<Debounced<T>>({ value: null, for: null, error: null });
  const call = useRef(fetch);
  useEffect(() => {
    call.current = fetch;
  });
  useEffect(() => {
    if (input === null) return;
    const abort = new AbortController();
    const timer = setTimeout(() => {
      call.current(input, abort.signal).then(
        (value) => setState({ value, for: input, error: null }),
        (err: unknown) => {
          if (!abort.signal.aborted) setState({ value: null, for: input, error: err instanceof ApiError ? err : new ApiError(0, 'client', String(err)) });
        },
      );
    }, delay);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [input, delay]);
  return input === null || state.for !== input ? { value: null, for: null, error: null } : state;
}

/** The word (letters, digits, _ and .) around the cursor, which a suggestion replaces. */
function wordAt(text: string, cursor: number): { text: string; start: number; end: number } {
  let start = cursor;
  while (start > 0 && /[\w.]/.test(text[start - 1]!)) start--;
  let end = cursor;
  while (end < text.length && /[\w.]/.test(text[end]!)) end++;
  return { text: text.slice(start, cursor), start, end };
}

function replaceAt(text: string, offset: number, found: string, replacement: string): string {
  return text.slice(0, offset) + replacement + text.slice(offset + found.length);
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
