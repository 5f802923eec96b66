import { useState, type FormEvent } from 'react';
import { api } from '../api/client.js';
import type { BehaviorPreview } from '../api/types.js';
import { useAction } from '../api/use-api.js';
import { useRuleCheck } from '../api/use-rule-check.js';
import { RuleError } from '../components/rule-error.js';
import { ActionStatus, ErrorLine } from '../components/state.js';
import { count } from '../format.js';
import { PreviewView } from './behavior-preview.js';
import { ReadingView } from './behavior-reading.js';
import { ActivateForm } from './behavior-activate.js';

const EXAMPLES = ['sustainable linen lovers who shop on mobile', 'premium sneaker buyers who have not bought in 60 days', 'customers who only buy on sale'];

const previewOf = (text: string, spec?: string) => api<BehaviorPreview>('/v1/behaviors/preview', { method: 'POST', body: spec === undefined ? { text } : { text, spec } });

/**
 * The custom behavior wizard: describe the customers in words; see how they were read, the spec (a rule, editable)
 * and what it selects; refine the words or the spec and preview again; name it and activate it, after which it is an
 * audience like any other. Each step's errors show under the step that caused them.
 */
export function CustomBehaviorWizard({ onActivated }: { onActivated: () => void }) {
  const [text, setText] = useState('');
  const [spec, setSpec] = useState('');
  const [shown, setShown] = useState<BehaviorPreview | null>(null);
  const [read, startRead] = useAction((words: string) => previewOf(words));
  const [refine, startRefine, resetRefine] = useAction((words: string, edited: string) => previewOf(words, edited));
  // Checked while shown, edited or not: a check is not cancelled when a preview brings back the very text it checks.
  const check = useRuleCheck(shown ? spec : '');

  const show = (p: BehaviorPreview | undefined) => {
    if (!p) return;
    setShown(p);
    setSpec(p.spec);
  };
  const readWords = async (e: FormEvent) => {
    e.preventDefault();
    const answer = await startRead(text);
    // New words make a new spec: what the previous spec's preview said no longer applies.
    if (answer) resetRefine();
    show(answer);
  };
  const previewSpec = async (e: FormEvent) => {
    e.preventDefault();
    if (shown) show(await startRefine(shown.text, spec));
  };
  const edited = shown !== null && spec !== shown.spec;

  return (
    <>
      <form onSubmit={(e) => void readWords(e)} noValidate aria-labelledby="describe-title">
        <h3 id="describe-title">1. Describe the customers</h3>
        <div className="field">
          <label htmlFor="behavior-words">In your words</label>
          <textarea id="behavior-words" rows={2} value={text} maxLength={2000} onChange={(e) => setText(e.target.value)} aria-describedby="behavior-words-help" />
          <p id="behavior-words-help" className="muted small">
            Products (categories, brands, colours, materials, tags), amounts, how recently and how often, channels, devices, countries; “not” and “only”.
          </p>
          <div className="examples" role="group" aria-label="Examples to start from">
            {EXAMPLES.map((x) => (
              <button type="button" className="quiet" key={x} onClick={() => setText(x)}>
                {x}
              </button>
            ))}
          </div>
        </div>
        <button type="submit" disabled={!text.trim() || read.status === 'running'}>
          {shown ? 'Read my words again' : 'Read my words'}
        </button>
        {shown && text !== shown.text ? <p className="small muted">Your words changed since they were read: read them again to update the spec and the preview.</p> : null}
        <ActionStatus action={read} running="Reading your words and counting who matches" />
      </form>

      {shown ? (
        <>
          <section aria-labelledby="reading-title" className="step">
            <h3 id="reading-title">2. How I read your words</h3>
            <ReadingView text={shown.text} reading={shown.reading} />
          </section>

          <form onSubmit={(e) => void previewSpec(e)} noValidate aria-labelledby="spec-title" className="step">
            <h3 id="spec-title">3. The spec</h3>
            <div className="field">
              <label htmlFor="behavior-spec">Rule (edit it to refine)</label>
              <textarea
                id="behavior-spec"
                rows={3}
                value={spec}
                spellCheck={false}
                aria-invalid={check.problem ? true : undefined}
                aria-describedby="behavior-spec-state"
                onChange={(e) => setSpec(e.target.value)}
              />
            </div>
            <div id="behavior-spec-state" aria-live="polite">
              {check.problem ? <RuleError text={spec} error={check.problem} onFix={setSpec} /> : null}
              {check.failure ? <ErrorLine error={check.failure} /> : null}
            </div>
            <div className="row">
              <button type="submit" disabled={!spec.trim() || check.problem !== null || refine.status === 'running'}>
                Preview this spec
              </button>
              {edited ? (
                <button type="button" className="quiet" onClick={() => setSpec(shown.spec)}>
                  Undo my edits
                </button>
              ) : null}
            </div>
            <ActionStatus action={refine} running="Counting who matches the spec" />
          </form>

          <section aria-labelledby="preview-title" className="step">
            <h3 id="preview-title">4. Preview</h3>
            <p className="small muted">
              Of <code>{shown.spec}</code>: {count(shown.preview.size)} customers.
            </p>
            <PreviewView preview={shown.preview} />
          </section>

          <ActivateForm preview={shown} edited={edited} onActivated={onActivated} />
        </>
      ) : null}
    </>
  );
}
