import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { MalformedJsonError } from './errors.js';

/** Whether the first `end` characters are broken for a reason other than stopping short (an error at their end). */
function brokenPrefix(text: string, end: number): boolean {
  try {
    JSON.parse(text.slice(0, end));
    return false;
  } catch (err) {
    const message = err instanceof Error ? err.message : '';
    const position = /at position (\d+)/.exec(message)?.[1];
    return position !== undefined ? Number(position) < end : !/end of JSON input/.test(message);
  }
}

/**
 * Where a JSON text breaks. V8 names the position for most errors but not for an unexpected token; then the
 * shortest broken prefix is found by bisection (a broken prefix only ever grows into a broken text).
 */
function jsonErrorOffset(text: string, err: SyntaxError): number {
  const named = /at position (\d+)/.exec(err.message);
  if (named?.[1]) return Number(named[1]);
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (brokenPrefix(text, mid + 1)) hi = mid;
    else lo = mid + 1;
  }
  return Math.min(lo, text.length);
}

function malformedJson(text: string, err: SyntaxError): MalformedJsonError {
  const offset = jsonErrorOffset(text, err);
  const before = text.slice(0, offset).split('\n');
  const line = before.length;
  const column = (before.at(-1)?.length ?? 0) + 1;
  // V8 quotes the whole text in some messages; the reason alone is enough and keeps request bodies out of logs.
  const reason = err.message.replace(/, (\.\.\.)?".*" is not valid JSON$/s, '').replace(/( in JSON)? at position \d+.*$/s, '');
  return new MalformedJsonError(`malformed JSON at line ${line}, column ${column}: ${reason}`, { offset, line, column });
}

/** Replaces Fastify's JSON parser, whose error does not say where the body breaks; prototype poisoning stays refused. */
export function registerJsonParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, text: string | Buffer, done) => {
    const source = typeof text === 'string' ? text : text.toString('utf8');
    if (source.trim() === '') return done(null, undefined);
    try {
      done(null, secureJson.parse(source, undefined, { protoAction: 'error', constructorAction: 'error' }));
    } catch (err) {
      done(err instanceof SyntaxError ? malformedJson(source, err) : new MalformedJsonError('JSON body sets a forbidden key (__proto__ or constructor)', { offset: 0, line: 1, column: 1 }), undefined);
    }
  });
}
