import { validatorCompiler } from 'fastify-type-provider-zod';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { decideQuerySchema } from '../../src/campaigns/index.js';
import { compileQueryCheck, prechecked, precheckingValidatorCompiler } from '../../src/server/query-precheck.js';

type Compile = (route: { schema: z.ZodType; method: string; url: string; httpPart: string }) => (data: unknown) => unknown;
const route = { method: 'GET', url: '/v1/decide', httpPart: 'querystring' };
const zodOnly = (validatorCompiler as unknown as Compile)({ schema: decideQuerySchema, ...route });
const withPrecheck = (precheckingValidatorCompiler as unknown as Compile)({ schema: prechecked(decideQuerySchema), ...route });

const QUERIES: Array<Record<string, unknown>> = [
  { visitor: 'v1' },
  { visitor: 'v1', customer: 'c-9', url: 'https://shop.example.com/p/1', device: 'mobile', page_type: 'product', country: 'DE', returning: 'true', channel: 'search', key: 'sgm_x' },
  {},
  { visitor: '' },
  { visitor: 'x'.repeat(128) },
  { visitor: 'x'.repeat(129) },
  { visitor: '😀'.repeat(64) },
  { visitor: '😀'.repeat(128) },
  { visitor: '😀'.repeat(129) },
  { visitor: 'v', customer: '\ud800' },
  { visitor: 'v', country: 'de' },
  { visitor: 'v', country: 'DEU' },
  { visitor: 'v', device: 'fridge' },
  { visitor: 'v', returning: 'yes' },
  { visitor: 'v', url: 'u'.repeat(2001) },
  { visitor: 'v', customer: '' },
  { visitor: ['a', 'b'] },
  { visitor: 'v', extra: '1' },
  { visitor: 'v', __proto__x: '1' },
];

describe('the decide query precheck', () => {
  it.each(QUERIES.map((q, i) => ({ i, q })))('answers query $i as zod does: the same value, or zod\'s own refusal', ({ q }) => {
    const viaZod = zodOnly({ ...q }) as { value?: unknown; error?: unknown };
    const copy: Record<string, unknown> = { ...q };
    const checked = withPrecheck(copy);
    if (viaZod.error) {
      expect(checked).toEqual(viaZod);
      expect(compileQueryCheck(decideQuerySchema)({ ...q })).toBe(false);
    } else {
      // Accepted without zod, in place: the query itself holds zod's value.
      expect(checked).toBe(true);
      expect(copy).toEqual(viaZod.value);
    }
  });

  it('counts lengths in code points, as zod does', () => {
    const check = compileQueryCheck(z.strictObject({ v: z.string().min(2).max(3) }));
    expect(['😀', 'ab', '😀😀', '😀a😀', 'abcd', '😀😀😀😀'].map((v) => check({ v }))).toEqual([false, true, true, true, false, false]);
  });

  it('refuses, when the route is built, a schema it cannot check as zod would', () => {
    expect(() => compileQueryCheck(z.strictObject({ email: z.email() }))).toThrow(/string fields only/);
    expect(() => compileQueryCheck(z.strictObject({ n: z.coerce.number() }))).toThrow(/string fields only/);
    expect(() => compileQueryCheck(z.object({ v: z.string() }))).toThrow(/strict object/);
  });
});
