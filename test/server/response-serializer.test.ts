import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { classificationSchema } from '../../src/audiences/index.js';
import { decisionSchema } from '../../src/campaigns/index.js';
import { precompiled, responseSerializerCompiler } from '../../src/server/response-serializer.js';
import { jsonValue } from '../../src/shared/json.js';

const route = (schema: z.ZodType) => ({ schema, method: 'GET', url: '/v1/test', httpStatus: '200' });

const CLASSIFICATION = {
  customer_id: 'C001',
  as_of: '2026-11-01 00:00:00',
  audiences: [
    { id: 'smart-active-loyals', name: 'Active loyals', kind: 'smart', reasons: 'orders >= 3 (5)' },
    { id: 'cluster-2', name: 'Cluster "2"', kind: 'cluster', reasons: null },
  ],
};
const DECISION = {
  campaigns: [
    { id: 'cmp-1', type: 'email_collection', placement: 'overlay', variant: 'b', content: { title: 'Ten percent \u2028 off', fields: [{ name: 'email', required: true }] }, consent: 'email', max_impressions: 3 },
    { id: 'cmp-2', type: 'notification_bar', placement: 'bar', variant: 'control', content: { text: '<b>free</b> shipping' }, consent: null, max_impressions: 1 },
  ],
  held_out: [{ id: 'cmp-3', variant: 'holdout' }],
};

describe('response serializer', () => {
  it('writes a precompiled answer as the zod encoding with the date replacer writes it', () => {
    for (const check of [true, false]) {
      const write = responseSerializerCompiler(check);
      expect(JSON.parse(write(route(precompiled(classificationSchema)))(CLASSIFICATION))).toEqual(JSON.parse(JSON.stringify(CLASSIFICATION, jsonValue)));
      expect(JSON.parse(write(route(precompiled(decisionSchema)))(DECISION))).toEqual(JSON.parse(JSON.stringify(DECISION, jsonValue)));
    }
  });

  it('still refuses an answer that breaks its schema where responses are checked', () => {
    const write = responseSerializerCompiler(true)(route(precompiled(classificationSchema)));
    // A Date where the schema has the text the replacer would write, and an audience kind that does not exist.
    expect(() => write({ ...CLASSIFICATION, as_of: new Date('2026-11-01T00:00:00Z') })).toThrow(/Response doesn't match the schema/);
    expect(() => write({ ...CLASSIFICATION, audiences: [{ ...CLASSIFICATION.audiences[0], kind: 'vip' }] })).toThrow(/Response doesn't match the schema/);
  });

  it('leaves routes whose schema is not precompiled to zod, checked whatever the setting', () => {
    const write = responseSerializerCompiler(false)(route(z.object({ at: z.date() })));
    expect(write({ at: new Date('2026-11-01T00:00:00Z') })).toBe('{"at":"2026-11-01 00:00:00"}');
    expect(() => write({ at: 'yesterday' })).toThrow(/Response doesn't match the schema/);
  });
});
