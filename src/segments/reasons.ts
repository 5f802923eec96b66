import { findFeature } from '../features/index.js';
import { assertNever } from '../shared/errors.js';
import { castTo, concatWs, formatMinute, ident, join, numberText, sql, type Sql } from '../sql/index.js';
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
 * customer's values) and score (the share of clauses that held), evaluated only on the rule's members.
 */
export function explainSql(rule: Rule, ctx: CompileContext): { reasons: Sql; score: Sql } {
  const clauses = clausesOf(rule).map((clause) => ({ clause, text: printRule(clause), value: valueText(clause, ctx) }));
  // A member of any rule but an `or` holds every clause (the operands of an `and`, or the rule itself): score 1 and
  // every clause's line, without testing each clause again per member.
  if (rule.kind !== 'or') return { reasons: everyLine(clauses), score: castTo(sql`1`, 'DOUBLE') };
  const held = clauses.map((c) => ({ ...c, held: compileRule(c.clause, ctx) }));
  const reasons = join(
    held.map((c) => sql`CASE WHEN ${c.held} THEN ${c.text} || ${c.value ? sql`' [' || coalesce(${c.value}, 'null') || ']'` : sql`''`} END`),
  );
  const score = sql`CAST(${join(held.map((c) => sql`CAST(${c.held} AS INTEGER)`), ' + ')} AS DOUBLE) / ${held.length}`;
  return { reasons: concatWs('; ', reasons), score };
}

/**
 * Every clause's reason line joined with '; ', as concat_ws joins the general form's when all hold: the text
 * between two values bound as one piece, so a line costs one concatenation per value.
 */
function everyLine(clauses: ReadonlyArray<{ text: string; value: Sql | undefined }>): Sql {
  const pieces: Sql[] = [];
  let text = '';
  clauses.forEach((c, i) => {
    text += `${i > 0 ? '; ' : ''}${c.text}`;
    if (c.value) {
      pieces.push(sql`${`${text} [`}`, sql`coalesce(${c.value}, 'null')`);
      text = ']';
    }
  });
  pieces.push(sql`${text}`);
  return sql`(${join(pieces, ' || ')})`;
}
