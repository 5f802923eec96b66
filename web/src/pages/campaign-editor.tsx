import { useMemo, useState, type FormEvent } from 'react';
import { api } from '../api/client.js';
import type { Audience, Campaign } from '../api/types.js';
import { useAction } from '../api/use-api.js';
import { FieldError, Labelled, ObjectFields } from './campaign-content.js';
import { bodyOf, shownOf, type CampaignForm } from './campaign-form.js';
import { CampaignPreview } from './campaign-preview.js';
import { choices, defaults, FieldErrors, labelOf, type JsonSchema, type TypeSchema } from './campaign-schema.js';
import { Targeting } from './campaign-targeting.js';

/**
 * A campaign's editor: content fields drawn from its type's schema, targeting, schedule and delivery, the experiment,
 * and beside them the live preview. Saving sends the whole definition; the server's refusal is shown on the fields it
 * names, one line each.
 */
export function CampaignEditor({ types, audiences, initial, existing, onSaved, locked }: {
  types: TypeSchema[];
  audiences: Audience[];
  initial: CampaignForm;
  /** The stored campaign being edited (PUT), or none for a new one (POST). */
  existing?: Campaign;
  onSaved: (saved: Campaign) => void;
  /** Why the definition cannot be changed (an ended campaign), if it cannot. */
  locked?: string;
}) {
  const [form, setForm] = useState(initial);
  const [previewVariant, setPreviewVariant] = useState(0);
  const t = types.find((x) => x.type === form.type)!;
  const change = (patch: Partial<CampaignForm>) => setForm((f) => ({ ...f, ...patch }));
  const [save, startSave] = useAction(() =>
    existing
      ? api<Campaign>(`/v1/campaigns/${encodeURIComponent(existing.id)}`, { method: 'PUT', body: bodyOf(form, t) })
      : api<Campaign>('/v1/campaigns', { method: 'POST', body: bodyOf(form, t) }),
  );
  const shown = useMemo(() => shownOf(form, t, previewVariant), [form, t, previewVariant]);
  const errors = new FieldErrors(save.status === 'error' ? save.error : undefined);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const saved = await startSave();
    if (saved) onSaved(saved);
  };
  const input = (field: 'name' | 'priority' | 'max_impressions' | 'start_at' | 'end_at', path: string, label: string, attrs: Record<string, string | number>, help?: string) => (
    <Labelled id={`f-${path.replaceAll('.', '-')}`} label={label} help={help} lines={errors.take(path)}>
      {(d, invalid) => (
        <input id={`f-${path.replaceAll('.', '-')}`} value={form[field]} aria-describedby={d} aria-invalid={invalid || undefined} onChange={(e) => change({ [field]: e.target.value })} {...attrs} />
      )}
    </Labelled>
  );

  return (
    <div className="campaign-editor">
      <form className="editor-fields" onSubmit={(e) => void submit(e)} noValidate aria-label="Campaign">
        <section aria-labelledby="what-title">
          <h2 id="what-title">What it shows</h2>
          <div className="row">
            {existing ? (
              <p>
                <strong>{labelOf(form.type)}</strong>
              </p>
            ) : (
              <div className="field">
                <label htmlFor="f-type">Type</label>
                <select id="f-type" value={form.type} onChange={(e) => setForm(typeChanged(form, types.find((x) => x.type === e.target.value)!))}>
                  {types.map((x) => (
                    <option key={x.type} value={x.type}>
                      {labelOf(x.type)}
                    </option>
                  ))}
                </select>
              </div>
            )}
            {input('name', 'name', 'Name', { maxLength: 120, required: 'required' })}
          </div>
          <FieldError id="f-content-error" lines={errors.take('content', true)} />
          <ObjectFields schema={t.content} value={form.content} onChange={(content) => change({ content: content as Record<string, unknown> })} path="content" errors={errors} />
        </section>

        <section aria-labelledby="who-title">
          <h2 id="who-title">Who sees it</h2>
          <Targeting form={form} onChange={change} audiences={audiences} body={t.body} errors={errors} />
        </section>

        <section aria-labelledby="when-title">
          <h2 id="when-title">When and how often</h2>
          <div className="row">
            {input('start_at', 'schedule.start_at', 'Starts (UTC, optional)', { type: 'datetime-local', step: 1 }, 'default: when activated')}
            {input('end_at', 'schedule.end_at', 'Ends (UTC, optional)', { type: 'datetime-local', step: 1 }, 'default: until ended')}
          </div>
          <div className="row">
            {input('priority', 'priority', 'Priority', { type: 'number', min: 0, max: 1000 }, 'the highest wins its place on the page')}
            {input('max_impressions', 'frequency_cap.max_impressions', 'Impressions per visitor at most', { type: 'number', min: 1, max: 1000 })}
            <Labelled id="f-consent" label="Consent needed" lines={errors.take('consent')}>
              {(d) => (
                <select id="f-consent" value={form.consent} aria-describedby={d} onChange={(e) => change({ consent: e.target.value })}>
                  <option value="">the type's default</option>
                  <option value="none">none</option>
                  {choices(t.body, 'consent').map((c) => (
                    <option key={c} value={c}>
                      {c}
                    </option>
                  ))}
                </select>
              )}
            </Labelled>
          </div>
        </section>

        <section aria-labelledby="experiment-title">
          <h2 id="experiment-title">Experiment</h2>
          <Experiment form={form} onChange={change} errors={errors} body={t.body} />
        </section>

        <div className="row">
          <button type="submit" disabled={save.status === 'running' || locked !== undefined}>
            {existing ? 'Save changes' : 'Create draft'}
          </button>
          {locked ? <p className="muted">{locked}</p> : null}
        </div>
        <div aria-live="polite">
          {save.status === 'running' ? <p className="muted">Saving…</p> : null}
          {save.status === 'done' ? <p className="done">Saved {save.data.name}.</p> : null}
          <Unclaimed errors={errors} />
        </div>
      </form>

      <aside className="editor-preview" aria-labelledby="preview-title">
        <h2 id="preview-title">Preview</h2>
        {form.variants.length > 0 ? (
          <div className="field">
            <label htmlFor="preview-variant">Variant shown</label>
            <select id="preview-variant" value={previewVariant} onChange={(e) => setPreviewVariant(Number(e.target.value))}>
              {form.variants.map((v, i) => (
                <option key={i} value={i}>
                  {v.id || `variant ${i + 1}`}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        <CampaignPreview campaign={shown} />
      </aside>
    </div>
  );
}

/**
 * Whatever the server said that names no field above. A component of its own, last in the form, so that it renders
 * after every field (React renders a tree depth first, in order) and sees what they took.
 */
function Unclaimed({ errors }: { errors: FieldErrors }) {
  return <FieldError id="f-form-error" lines={errors.rest()} />;
}

/** A new campaign's type changed: the new type's content defaults, keeping what the types share (headline, body...). */
function typeChanged(form: CampaignForm, t: TypeSchema): CampaignForm {
  const shared = Object.keys(t.content.properties ?? {}).filter((k) => form.content[k] !== undefined);
  const kept = Object.fromEntries(shared.map((k) => [k, form.content[k]]));
  return { ...form, type: t.type, content: { ...(defaults(t.content) as object), ...kept } };
}

/** Variants with their weights and content changes, and the holdout: weights in percent, adding up to 100. */
function Experiment({ form, onChange, errors, body }: { form: CampaignForm; onChange: (patch: Partial<CampaignForm>) => void; errors: FieldErrors; body: JsonSchema }) {
  const plain = (field: 'window_days' | 'minimum_effect' | 'baseline_rate' | 'planned_exposures', path: string, label: string) => (
    <Labelled id={`f-${path.replaceAll('.', '-')}`} label={label} lines={errors.take(path)}>
      {(d, invalid) => (
        <input id={`f-${path.replaceAll('.', '-')}`} type="number" step="any" value={form[field]} aria-describedby={d} aria-invalid={invalid || undefined} onChange={(e) => onChange({ [field]: e.target.value })} />
      )}
    </Labelled>
  );
  const set = (i: number, patch: Partial<CampaignForm['variants'][number]>) => onChange({ variants: form.variants.map((v, j) => (j === i ? { ...v, ...patch } : v)) });
  const total = form.variants.reduce((s, v) => s + (Number(v.weight) || 0), 0) + (Number(form.holdout) || 0);
  return (
    <>
      <p className="muted small">The first variant is the control. Each visitor keeps one variant; those in the holdout see nothing, to measure what the campaign adds.</p>
      {form.variants.map((v, i) => (
        <fieldset className="group variant" key={i}>
          <legend>Variant {i + 1}{i === 0 ? ' (control)' : ''}</legend>
          <div className="row">
            <Labelled id={`f-experiment-variants-${i}-id`} label="Id" lines={errors.take(`experiment.variants.${i}.id`)}>
              {(d, invalid) => <input id={`f-experiment-variants-${i}-id`} value={v.id} aria-describedby={d} aria-invalid={invalid || undefined} onChange={(e) => set(i, { id: e.target.value })} />}
            </Labelled>
            <Labelled id={`f-experiment-variants-${i}-weight`} label="Weight (%)" lines={errors.take(`experiment.variants.${i}.weight`)}>
              {(d, invalid) => (
                <input id={`f-experiment-variants-${i}-weight`} type="number" min={0} max={100} value={v.weight} aria-describedby={d} aria-invalid={invalid || undefined} onChange={(e) => set(i, { weight: e.target.value })} />
              )}
            </Labelled>
            <button type="button" className="quiet" onClick={() => onChange({ variants: form.variants.filter((_, j) => j !== i) })}>
              Remove variant {i + 1}
            </button>
          </div>
          <Labelled id={`f-experiment-variants-${i}-content`} label="Content changes (JSON, optional)" help='fields that replace the content for this variant, e.g. {"headline": "10% off today"}' lines={errors.take(`experiment.variants.${i}.content`)}>
            {(d, invalid) => <textarea id={`f-experiment-variants-${i}-content`} rows={2} value={v.content} aria-describedby={d} aria-invalid={invalid || undefined} onChange={(e) => set(i, { content: e.target.value })} />}
          </Labelled>
        </fieldset>
      ))}
      <div className="row">
        <button type="button" className="quiet" onClick={() => onChange({ variants: [...form.variants, { id: form.variants.length === 0 ? 'control' : `variant-${form.variants.length + 1}`, weight: '', content: '' }] })}>
          Add variant
        </button>
        {form.variants.length > 0 ? (
          <Labelled id="f-experiment-holdout" label="Holdout (%)" lines={errors.take('experiment.holdout')}>
            {(d, invalid) => <input id="f-experiment-holdout" type="number" min={0} max={100} value={form.holdout} aria-describedby={d} aria-invalid={invalid || undefined} onChange={(e) => onChange({ holdout: e.target.value })} />}
          </Labelled>
        ) : null}
      </div>
      {form.variants.length > 0 ? (
        <>
          <p className="muted small">Weights and holdout add up to {total}% (they must make 100%).</p>
          <div className="row">
            <Labelled id="f-experiment-goal-event" label="Conversion" lines={errors.take('experiment.goal.event')}>
              {(d) => (
                <select id="f-experiment-goal-event" value={form.goal_event} aria-describedby={d} onChange={(e) => onChange({ goal_event: e.target.value })}>
                  <option value="">default (order)</option>
                  {choices(body, 'experiment.goal.event').map((g) => (
                    <option key={g} value={g}>
                      {g}
                    </option>
                  ))}
                </select>
              )}
            </Labelled>
            {plain('window_days', 'experiment.goal.window_days', 'Window (days, optional)')}
            {plain('minimum_effect', 'experiment.plan.minimum_effect', 'Effect to detect (0.1 = +10%, optional)')}
            {plain('baseline_rate', 'experiment.plan.baseline_rate', 'Expected control rate (optional)')}
            {plain('planned_exposures', 'experiment.plan.planned_exposures', 'Planned exposures (optional)')}
          </div>
        </>
      ) : null}
      <FieldError id="f-experiment-variants-error" lines={errors.take('experiment.variants')} />
      <FieldError id="f-experiment-error" lines={errors.take('experiment')} />
    </>
  );
}
