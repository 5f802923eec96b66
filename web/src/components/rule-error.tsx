import type { RuleProblem } from '../api/use-rule-check.js';

/**
 * A rule's error where it was typed: the message, the line with a caret under the column the parser named, and the
 * names it suggests as buttons that put the name in place of the misspelt one (`onFix` gets the corrected text).
 */
export function RuleError({ text, error, onFix }: { text: string; error: RuleProblem; onFix: (text: string) => void }) {
  const p = error.position;
  const line = p ? (text.split('\n')[p.line - 1] ?? '') : '';
  const fix = (name: string) => {
    const at = p?.offset ?? 0;
    onFix(text.slice(0, at) + name + text.slice(at + (error.found ?? '').length));
  };
  return (
    <div className="rule-error" role="alert">
      <p className="error">{error.message}</p>
      {p ? (
        // One line, scrolled rather than wrapped, so the caret stays under its column on a phone.
        <pre className="rule caret" tabIndex={0} aria-label={`line ${p.line}, column ${p.column}`}>
          {line}
          {'\n'}
          {' '.repeat(Math.max(0, p.column - 1))}^
        </pre>
      ) : null}
      {error.suggestions.length > 0 ? (
        <p>
          Did you mean{' '}
          {error.suggestions.map((s) => (
            <button type="button" className="quiet" key={s} onClick={() => fix(s)}>
              {s}
            </button>
          ))}
          ?
        </p>
      ) : null}
    </div>
  );
}
