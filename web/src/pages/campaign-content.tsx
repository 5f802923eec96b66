import type { ReactNode } from 'react';
import { defaults, labelOf, type FieldErrors, type JsonSchema } from './campaign-schema.js';

interface FieldProps {
  schema: JsonSchema;
  value: unknown;
  onChange: (value: unknown) => void;
  /** The API's path of the value (`content.cta.label`), which names it in errors and makes its element id. */
  path: string;
  label: string;
  required: boolean;
  errors: FieldErrors;
}

const idOf = (path: string): string => `f-${path.replaceAll('.', '-')}`;
/** A text or choice as its input shows it (empty while unset). */
const textOf = (value: unknown): string => (typeof value === 'string' || typeof value === 'number' ? String(value) : '');

/** The lines of an error under the field it names, tied to its input by aria-describedby. */
export function FieldError({ id, lines }: { id: string; lines: string[] }) {
  if (lines.length === 0) return null;
  return (
    <p className="error" role="alert" id={id}>
      {lines.join('; ')}
    </p>
  );
}

/** A labelled input with its help (the schema's description) and the server's error for it. */
export function Labelled({ id, label, help, lines, children }: { id: string; label: string; help?: string | undefined; lines: string[]; children: (describedBy: string | undefined, invalid: boolean) => ReactNode }) {
  const described = [help ? `${id}-help` : '', lines.length ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children(described, lines.length > 0)}
      {help ? (
        <span className="muted small" id={`${id}-help`}>
          {help}
        </span>
      ) : null}
      <FieldError id={`${id}-error`} lines={lines} />
    </div>
  );
}

/** The fields of an object schema, one per property, in the schema's order. */
export function ObjectFields({ schema, value, onChange, path, errors }: Omit<FieldProps, 'label' | 'required'>) {
  const v = (value ?? {}) as Record<string, unknown>;
  return (
    <div className="fields">
      {Object.entries(schema.properties ?? {}).map(([key, prop]) => (
        <ValueField
          key={key}
          schema={prop}
          value={v[key]}
          onChange={(next) => onChange({ ...v, [key]: next })}
          path={`${path}.${key}`}
          label={labelOf(key)}
          required={schema.required?.includes(key) ?? false}
          errors={errors}
        />
      ))}
    </div>
  );
}

/** One value by its schema: a group of fields, a list of groups, a list of texts, a choice, a switch, or a text. */
function ValueField(props: FieldProps) {
  const { schema, value, onChange, path, label, required, errors } = props;
  const id = idOf(path);
  const title = `${label}${required ? '' : ' (optional)'}`;
  if (schema.type === 'object') {
    return (
      <fieldset className="group">
        <legend>{title}</legend>
        {schema.description ? <p className="muted small">{schema.description}</p> : null}
        <FieldError id={`${id}-error`} lines={errors.take(path, true)} />
        <ObjectFields schema={schema} value={value} onChange={onChange} path={path} errors={errors} />
      </fieldset>
    );
  }
  if (schema.type === 'array' && schema.items?.type === 'object') {
    const list: unknown[] = Array.isArray(value) ? value : [];
    const item = labelOf(path.split('.').at(-1)!.replace(/s$/, ''));
    return (
      <fieldset className="group">
        <legend>{title}</legend>
        <FieldError id={`${id}-error`} lines={errors.take(path, true)} />
        {list.map((entry, i) => (
          <fieldset className="group" key={i}>
            <legend>
              {item} {i + 1}
            </legend>
            <ObjectFields schema={schema.items!} value={entry} onChange={(next) => onChange(list.map((e, j) => (j === i ? next : e)))} path={`${path}.${i}`} errors={errors} />
            <button type="button" className="quiet" onClick={() => onChange(list.filter((_, j) => j !== i))}>
              Remove {item.toLowerCase()} {i + 1}
            </button>
          </fieldset>
        ))}
        <button type="button" className="quiet" onClick={() => onChange([...list, defaults(schema.items!)])}>
          Add {item.toLowerCase()}
        </button>
      </fieldset>
    );
  }
  const lines = errors.take(path);
  if (schema.type === 'array') {
    const list = Array.isArray(value) ? (value as string[]) : [];
    return (
      <Labelled id={id} label={`${title}, one per line`} help={schema.description} lines={lines}>
        {(d, invalid) => <textarea id={id} rows={3} value={list.join('\n')} aria-describedby={d} aria-invalid={invalid || undefined} onChange={(e) => onChange(e.target.value.split('\n'))} />}
      </Labelled>
    );
  }
  if (schema.type === 'boolean') {
    return (
      <div className="field check">
        <label>
          <input type="checkbox" id={id} checked={value === true} onChange={(e) => onChange(e.target.checked)} /> {label}
        </label>
        <FieldError id={`${id}-error`} lines={lines} />
      </div>
    );
  }
  if (schema.enum) {
    return (
      <Labelled id={id} label={title} help={schema.description} lines={lines}>
        {(d, invalid) => (
          <select id={id} value={textOf(value)} aria-describedby={d} aria-invalid={invalid || undefined} onChange={(e) => onChange(e.target.value || undefined)}>
            {schema.enum!.includes(value) ? null : <option value="">choose…</option>}
            {schema.enum!.map((o) => (
              <option key={String(o)} value={String(o)}>
                {String(o)}
              </option>
            ))}
          </select>
        )}
      </Labelled>
    );
  }
  // Prose gets a box of a few lines; an address, however long it may be, one line.
  const long = (schema.maxLength ?? 0) > 200 && !/url$/.test(path);
  return (
    <Labelled id={id} label={title} help={schema.description} lines={lines}>
      {(d, invalid) =>
        long ? (
          <textarea className="prose" id={id} rows={3} maxLength={schema.maxLength} value={textOf(value)} aria-describedby={d} aria-invalid={invalid || undefined} onChange={(e) => onChange(e.target.value)} />
        ) : (
          <input id={id} maxLength={schema.maxLength} value={textOf(value)} aria-describedby={d} aria-invalid={invalid || undefined} onChange={(e) => onChange(e.target.value)} />
        )
      }
    </Labelled>
  );
}
