import type { ReactNode } from 'react';
import type { BehaviorPreview } from '../api/types.js';
import { DataTable } from '../components/table.js';

type Reading = BehaviorPreview['reading'];

const SOURCES: Record<Reading['source'], string> = {
  embedded: 'Read by the built-in interpreter.',
  llm: 'Read by the language model, checked like any rule.',
  edited: 'You edited the spec; the words are shown as they were read.',
};

/** "How I read your words": the words with what each part became, the words not understood, and the choices made. */
export function ReadingView({ text, reading }: { text: string; reading: Reading }) {
  const partly = reading.status === 'partly_understood';
  return (
    <>
      <p className={`reading-message ${partly ? 'warn' : 'ok'}`}>
        {partly ? 'Partly understood: ' : 'Understood: '}
        {reading.message}
      </p>
      <p className="small muted">
        {SOURCES[reading.source]}
        {reading.llm_fallback ? ` The language model’s answer was not used: ${reading.llm_fallback}.` : ''}
      </p>
      {reading.spans.length > 0 ? (
        <p className="reading" aria-label="Your words, the understood parts marked">
          {marked(text, reading.spans)}
        </p>
      ) : null}
      {reading.spans.length > 0 ? (
        <DataTable
          label="Each part of your words and what it became"
          caption="Each part of your words and what it became"
          className="spans"
          rows={reading.spans}
          rowKey={(s) => `${s.start}-${s.end}`}
          columns={[
            { head: 'Words', cell: (s) => s.text },
            { head: 'Read as', cell: (s) => <code>{s.meaning}</code> },
          ]}
        />
      ) : null}
      {reading.conditions.length > 0 ? (
        <>
          <h4>Conditions</h4>
          <ul className="conditions">
            {reading.conditions.map((c) => (
              <li key={c.rule}>
                “{c.words}” → <code>{c.rule}</code>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <h4>Not understood</h4>
      {reading.not_understood.length > 0 ? (
        <ul className="tags not-understood">
          {reading.not_understood.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      ) : (
        <p className="small">Every word was understood.</p>
      )}
      {reading.ambiguities.length > 0 ? (
        <>
          <h4>Choices made</h4>
          <ul className="ambiguities">
            {reading.ambiguities.map((a) => (
              <li key={a.words}>
                “{a.words}”: read as {a.choice}
                {a.alternatives.length > 0 ? `; it could also mean ${a.alternatives.join(' or ')}` : ''}. Edit the spec to choose otherwise.
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </>
  );
}

/** The text with each understood span in a <mark>, its meaning as the mark's title. */
function marked(text: string, spans: Reading['spans']): ReactNode[] {
  const out: ReactNode[] = [];
  let at = 0;
  for (const s of [...spans].sort((a, b) => a.start - b.start)) {
    if (s.start < at) continue;
    if (s.start > at) out.push(text.slice(at, s.start));
    out.push(
      <mark key={s.start} title={s.meaning}>
        {text.slice(s.start, s.end)}
      </mark>,
    );
    at = s.end;
  }
  out.push(text.slice(at));
  return out;
}
