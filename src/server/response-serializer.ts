import fastJson from 'fast-json-stringify';
import type { FastifySerializerCompiler } from 'fastify';
import { createSerializerCompiler, ResponseSerializationError } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { jsonValue } from '../shared/json.js';

/** Response schemas written by a stringify function compiled from their JSON schema (see `precompiled`). */
const PRECOMPILED = new WeakSet<z.ZodType>();

/**
 * Marks a hot route's response schema to be written by fast-json-stringify, compiled once from the schema's JSON
 * schema, instead of a zod encode followed by JSON.stringify with the date replacer: that pair copies the whole answer
 * and calls the replacer on every value, the largest part of what a request allocates (and so of how often the young
 * generation is collected, the p99 of issues 15 and 18). Only for schemas of plain JSON values (strings such as
 * as_of already formatted, no Date, no bigint), which the zod check below enforces where responses are checked.
 */
export function precompiled<T extends z.ZodType>(schema: T): T {
  PRECOMPILED.add(schema);
  return schema;
}

/**
 * Every response is written from its route's one zod schema. Precompiled ones are checked against it by zod first
 * when `check` is on (tests, and any embedding that does not turn it off), so an answer that breaks its schema fails
 * there as it does on the other routes; `segmint serve` turns the check off and relies on those tests.
 */
export function responseSerializerCompiler(check: boolean): FastifySerializerCompiler<z.ZodType> {
  const encoded = createSerializerCompiler({ replacer: jsonValue });
  return (route) => {
    const { schema, method, url } = route;
    if (!(schema instanceof z.ZodType) || !PRECOMPILED.has(schema)) return encoded(route);
    const stringify = fastJson(z.toJSONSchema(schema, { io: 'output', target: 'draft-7' }) as Parameters<typeof fastJson>[0]);
    if (!check) return stringify;
    return (data: unknown) => {
      const result = z.safeEncode(schema, data);
      if (result.error) throw new ResponseSerializationError(method, url, { cause: result.error });
      return stringify(data);
    };
  };
}
