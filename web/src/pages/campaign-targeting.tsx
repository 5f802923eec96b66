import { useState } from 'react';
import type { Audience } from '../api/types.js';
import { FieldError, Labelled } from './campaign-content.js';
import type { CampaignForm } from './campaign-form.js';
import { choices, type FieldErrors, type JsonSchema } from './campaign-schema.js';
import { KindSelect } from './kind-select.js';
import type { AudienceKind } from './trends.js';

type Change = (patch: Partial<CampaignForm>) => void;

/**
 * Who sees the campaign: audiences of any kind to include and exclude (picked from the audience list, filtered by
 * kind, or typed by id or name), and the page context (device, page type, URL pattern, country, new or returning
 * visitor, channel). The choices offered are the API's own (its schema's enums).
 */
export function Targeting({ form, onChange, audiences, body, errors }: { form: CampaignForm; onChange: Change; audiences: Audience[]; body: JsonSchema; errors: FieldErrors }) {
  const [kind, setKind] = useState<AudienceKind | ''>('');
  const [typed, setTyped] = useState('');
  const names = new Map(audiences.map((a) => [a.id, a.name]));
  const add = (side: 'include' | 'exclude') => {
    const text = typed.trim();
    if (!text) return;
    // A name picked from the list is stored by its id; anything else goes as typed, and the server says if it is unknown.
    const id = audiences.find((a) => a.name === text || a.id === text)?.id ?? text;
    if (!form[side].includes(id)) onChange({ [side]: [...form[side], id] });
    setTyped('');
  };
  const checks = (field: 'devices' | 'channels', label: string) => (
    <fieldset className="checks">
      <legend>{label}</legend>
      {choices(body, `targeting.${field}`).map((c) => (
        <label key={c}>
          <input type="checkbox" checked={form[field].includes(c)} onChange={(e) => onChange({ [field]: e.target.checked ? [...form[field], c] : form[field].filter((x) => x !== c) })} /> {c}
        </label>
      ))}
      <FieldError id={`f-targeting-${field}-error`} lines={errors.take(`targeting.${field}`)} />
    </fieldset>
  );

  return (
    <>
      <h3>Audiences</h3>
      <p className="muted small">A customer in any included audience qualifies (none included: every visitor, anonymous ones too); one in an excluded audience never sees it.</p>
      <div className="row">
        <KindSelect id="audience-kind" label="Kind" value={kind} onChange={setKind} anyLabel="Any kind" />
        <div className="field grow">
          <label htmlFor="audience-pick">Audience</label>
          <input id="audience-pick" list="audience-options" value={typed} onChange={(e) => setTyped(e.target.value)} placeholder="a name or id" />
          <datalist id="audience-options">
            {audiences
              .filter((a) => !kind || a.kind === kind)
              .map((a) => (
                <option key={a.id} value={a.name} />
              ))}
          </datalist>
        </div>
        <button type="button" onClick={() => add('include')}>
          Include
        </button>
        <button type="button" className="quiet" onClick={() => add('exclude')}>
          Exclude
        </button>
      </div>
      {(['include', 'exclude'] as const).map((side) => (
        <div key={side} className={`picked ${side}`}>
          <h4>{side === 'include' ? 'Included' : 'Excluded'}</h4>
          {form[side].length === 0 ? <p className="muted small">{side === 'include' ? 'None: every visitor.' : 'None.'}</p> : null}
          <ul className="tags">
            {form[side].map((id) => (
              <li key={id}>
                {names.get(id) ?? id}{' '}
                <button type="button" className="quiet" aria-label={`Remove ${names.get(id) ?? id}`} onClick={() => onChange({ [side]: form[side].filter((x) => x !== id) })}>
                  ×
                </button>
              </li>
            ))}
          </ul>
          <FieldError id={`f-targeting-audiences-${side}-error`} lines={errors.take(`targeting.audiences.${side}`)} />
        </div>
      ))}

      <h3>Context</h3>
      <div className="row">
        {checks('devices', 'Devices (none ticked: all)')}
        {checks('channels', 'Channels (none ticked: all)')}
      </div>
      <div className="row">
        <Labelled id="f-targeting-page_types" label="Page types (comma-separated, optional)" help="what the storefront says the page is: home, product, cart…" lines={errors.take('targeting.page_types')}>
          {(d, invalid) => <input id="f-targeting-page_types" value={form.page_types} aria-describedby={d} aria-invalid={invalid || undefined} onChange={(e) => onChange({ page_types: e.target.value })} />}
        </Labelled>
        <Labelled id="f-targeting-url_pattern" label="URL pattern (optional)" help="a JavaScript regular expression the page URL must match" lines={errors.take('targeting.url_pattern')}>
          {(d, invalid) => <input id="f-targeting-url_pattern" value={form.url_pattern} aria-describedby={d} aria-invalid={invalid || undefined} onChange={(e) => onChange({ url_pattern: e.target.value })} />}
        </Labelled>
        <Labelled id="f-targeting-countries" label="Countries (comma-separated, optional)" help="ISO codes such as DE, AT" lines={errors.take('targeting.countries')}>
          {(d, invalid) => <input id="f-targeting-countries" value={form.countries} aria-describedby={d} aria-invalid={invalid || undefined} onChange={(e) => onChange({ countries: e.target.value })} />}
        </Labelled>
        <Labelled id="f-targeting-visitor" label="Visitors" lines={errors.take('targeting.visitor')}>
          {(d) => (
            <select id="f-targeting-visitor" value={form.visitor} aria-describedby={d} onChange={(e) => onChange({ visitor: e.target.value })}>
              {choices(body, 'targeting.visitor').map((v) => (
                <option key={v} value={v}>
                  {v === 'any' ? 'new and returning' : v}
                </option>
              ))}
            </select>
          )}
        </Labelled>
      </div>
    </>
  );
}
