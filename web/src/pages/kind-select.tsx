import { KIND_LABELS, type AudienceKind } from './trends.js';

interface Props<K extends AudienceKind | ''> {
  id: string;
  label: string;
  value: K;
  onChange: (kind: K) => void;
  /** The label of an option for every kind (value ""), when the page offers one. */
  anyLabel?: string;
}

/** The labelled choice of an audience kind that several pages filter by. */
export function KindSelect<K extends AudienceKind | ''>({ id, label, value, onChange, anyLabel }: Props<K>) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value as K)}>
        {anyLabel === undefined ? null : <option value="">{anyLabel}</option>}
        {Object.entries(KIND_LABELS).map(([k, text]) => (
          <option key={k} value={k}>
            {text}
          </option>
        ))}
      </select>
    </div>
  );
}
