import { day } from '../format.js';

/** The labelled choice of one stored run, by its date, that several pages read a run's answers at. */
export function RunSelect({ id, label, runs, value, onChange }: { id: string; label: string; runs: string[]; value: string; onChange: (run: string) => void }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        {runs.map((r) => (
          <option key={r} value={r}>
            {day(r)}
          </option>
        ))}
      </select>
    </div>
  );
}
