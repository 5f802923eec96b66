import { useCallback, type ReactNode } from 'react';
import { api } from '../api/client.js';
import type { CustomerProfile } from '../api/types.js';
import { useAction, type Loaded } from '../api/use-api.js';
import { ActionStatus, Async } from '../components/state.js';
import { day, money, percent } from '../format.js';

type Fact = CustomerProfile['facts'][number];
type FactValue = Fact['value'];

/**
 * The customer's profile (seed 002, docs/profiles.md) read at `path`: the kept one, or one made at this first visit;
 * "Refresh profile" makes a new one from the data as it is now. Every statement opens onto the facts it rests on.
 */
export function ProfileSection({ path, kept }: { path: string; kept: Loaded<CustomerProfile> }) {
  const refresh = useCallback(() => api<CustomerProfile>(`${path}?refresh=true`), [path]);
  const [action, start] = useAction(refresh);
  // A refreshed profile replaces the kept one on the page, as it does in the store.
  const shown: Loaded<CustomerProfile> = action.status === 'done' ? { status: 'ready', data: action.data } : kept;
  return (
    <section aria-labelledby="profile-title" className="profile">
      <h2 id="profile-title">Profile</h2>
      <Async value={shown} what="the profile">
        {(p) => <Profile profile={p} />}
      </Async>
      <p>
        <button type="button" className="quiet" onClick={() => void start()} disabled={action.status === 'running'}>
          Refresh profile
        </button>
      </p>
      <ActionStatus action={action} running="Making a new profile from the data as it is now" done={(p) => <>New profile made {p.generated_at} UTC.</>} />
    </section>
  );
}

function Profile({ profile: p }: { profile: CustomerProfile }) {
  const facts = new Map(p.facts.map((f) => [f.id, f]));
  // A statement, by its path in the profile, with the facts it rests on behind a disclosure.
  const say = (path: string, text: ReactNode, as: 'div' | 'li' = 'div', Text: 'span' | 'h4' = 'span') => {
    const Tag = as;
    return (
      <Tag key={path} className="statement" data-path={path}>
        <Text className="text">{text}</Text>
        <Evidence facts={(p.evidence[path] ?? []).flatMap((f) => facts.get(f) ?? [])} />
      </Tag>
    );
  };
  const m = p.current_purchase_moment;
  const moment = 'current_purchase_moment';
  return (
    <>
      <p className="muted small">
        Made {p.generated_at} UTC by the {p.generator.narrator} narrator from the history before {day(p.as_of)}
        {p.generator.note ? ` (${p.generator.note})` : ''} · confidence <strong>{p.confidence.level}</strong> ({p.confidence.score}): {p.confidence.basis}.
      </p>
      {say('general_description', p.general_description)}
      <h3>Style</h3>
      {say('general_style', p.general_style)}

      <h3>Purchase moment</h3>
      <div className={`moment${m.new_behavior ? ' shifted' : ''}`}>
        {say(`${moment}.new_behavior`, m.new_behavior ? <strong className="marker">New behavior</strong> : <span className="marker">No new behavior</span>)}
        {say(`${moment}.relationship_with_history`, m.relationship_with_history)}
        {say(`${moment}.moment_summary`, m.moment_summary)}
      </div>
      <h4>Recent browsing</h4>
      {m.recent_browsing.length ? <ul className="plain statements">{m.recent_browsing.map((b, i) => say(`${moment}.recent_browsing.${i}`, b, 'li'))}</ul> : <p className="muted">None in the last days.</p>}
      <h4>Opportunities</h4>
      <ul className="plain statements">{m.opportunities.map((o, i) => say(`${moment}.opportunities.${i}`, o, 'li'))}</ul>

      <h3>Occasions</h3>
      {p.occasions.length === 0 ? <p className="muted">None yet: occasions and looks come from purchases.</p> : null}
      {p.occasions.map((o, i) => (
        <div key={i} className="occasion">
          {say(`occasions.${i}.occasion`, o.occasion, 'div', 'h4')}
          {say(`occasions.${i}.persona_on_occasion`, o.persona_on_occasion)}
          {o.look_suggestion.length === 0 ? (
            <p className="muted">The catalog has nothing to dress this occasion in the customer’s price range.</p>
          ) : (
            <ul className="grid plain look" aria-label={`Look for ${o.occasion}`}>
              {o.look_suggestion.map((item, j) => (
                <li key={item.product_id} className="card product">
                  {say(`occasions.${i}.look_suggestion.${j}`, <strong className="name">{item.description}</strong>)}
                  <span className="small">
                    <span className="slot">{item.slot}</span> · <code className="product-id">{item.product_id}</code> · <span className="price">{money(item.price)}</span>
                  </span>
                </li>
              ))}
            </ul>
          )}
        </div>
      ))}

      <h3>Marketing brief</h3>
      <h4>Tone of voice</h4>
      <ul className="plain statements">{p.marketing_brief.tone_of_voice.map((t, i) => say(`marketing_brief.tone_of_voice.${i}`, t, 'li'))}</ul>
      <h4>Visual direction</h4>
      <ul className="plain statements">{p.marketing_brief.visual_direction.map((t, i) => say(`marketing_brief.visual_direction.${i}`, t, 'li'))}</ul>
      <h4>Campaign guidance</h4>
      <ul className="plain statements">{p.marketing_brief.campaign_guidance.map((t, i) => say(`marketing_brief.campaign_guidance.${i}`, t, 'li'))}</ul>
      <h3>Content hooks</h3>
      <ul className="plain statements">{p.content_hooks.map((t, i) => say(`content_hooks.${i}`, t, 'li'))}</ul>
    </>
  );
}

function Evidence({ facts }: { facts: Fact[] }) {
  if (facts.length === 0) return null;
  return (
    <details className="evidence">
      <summary>Evidence</summary>
      <ul className="facts">
        {facts.map((f) => (
          <li key={f.id}>
            <code>{f.id}</code> <span className="muted">{f.what}</span>: <span className="value">{valueText(f.value, f.id)}</span>
          </li>
        ))}
      </ul>
    </details>
  );
}

/**
 * A fact's value in words: shares (a value or field named ...share) as percents, as the statements write them; lists
 * and records flattened.
 */
function valueText(value: FactValue, key = ''): string {
  if (value === null) return '–';
  if (typeof value === 'number') return key.endsWith('share') ? percent(value) : String(value);
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.length ? value.map((v) => valueText(v)).join('; ') : 'none';
  const { value: name, ...rest } = value;
  const fields = Object.entries(rest)
    .map(([k, v]) => `${k.replaceAll('_', ' ')} ${valueText(v, k)}`)
    .join(', ');
  return name === undefined ? fields : `${valueText(name)} (${fields})`;
}
