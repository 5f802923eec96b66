import { findFeature } from '../features/index.js';
import { assertNever } from '../shared/errors.js';
import { concatWs, formatMinute, ident, join, numberText, sql, type Sql } from '../sql/index.js';
import { clausesOf, type Rule } from './ast.js';
import { printRule } from './printer.js';
import { attributeSql, compileRule, eventValue, type CompileContext } from './sql-compiler.js';

/** The customer's own value behind a clause, as text for a reason line; undefined for clauses without one. */
function valueText(clause: Rule, ctx: CompileContext): Sql | undefined {
  const number = numberText;
  const time = formatMinute;
  switch (clause.kind) {
    case 'feature': {
      const type = findFeature('customer', clause.feature)?.type;
      const v = sql`f.${ident(clause.feature)}`;
      return type === 'string' ? sql`CAST(${v} AS VARCHAR)` : number(v);
    }
    case 'attribute':
      return sql`CAST(${attributeSql(clause.path, clause.condition)} AS VARCHAR)`;
    case 'event': {
      const v = eventValue(clause, ctx);
      return clause.aggregate === 'first' || clause.aggregate === 'last' ? time(v) : number(v);
    }
    case 'and':
    case 'or':
    case 'not':
    case 'stopped':
    case 'in_audience':
      return undefined;
    default:
      return assertNever(clause, 'rule');
  }
}

/**
 * SQL for a member's reasons ("recency_days <= 30 [12]; orders >= 3 [5]": the clauses that held, with the
 * customer's values) and score (the share of clauses that held: 1 for every member of an `and` rule).
 */
export function explainSql(rule: Rule, ctx: CompileContext): { reasons: Sql; score: Sql } {
  const clauses = clausesOf(rule).map((clause) => ({ held: compileRule(clause, ctx), text: printRule(clause), value: valueText(clause, ctx) }));
  const reasons = join(
    clauses.map((c) => sql`CASE WHEN ${c.held} THEN ${c.text} || ${c.value ? sql`' [' || coalesce(${c.value}, 'null') || ']'` : sql`''`} END`),
  );
  const score = sql`CAST(${join(clauses.map((c) => sql`CAST(${c.held} AS INTEGER)`), ' + ')} AS DOUBLE) / ${clauses.length}`;
  return { reasons: concatWs('; ', reasons), score };
}
