import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { toErrorResponse } from '../../src/server/errors.js';
import { customerNotFound, ImportError, NotFoundError, ValidationError } from '../../src/shared/errors.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers.js';

describe('error responses', () => {
  it('maps typed errors to their status and hides anything unexpected', () => {
    expect(toErrorResponse(new ValidationError('bad', { x: 1 }))).toEqual({ status: 400, body: { error: { code: 'invalid_input', message: 'bad', details: { x: 1 } } } });
    expect(toErrorResponse(new NotFoundError('gone')).status).toBe(404);
    expect(toErrorResponse(new ImportError('broken', { file: 'f.csv' })).status).toBe(422);
    expect(toErrorResponse(z.object({ a: z.number() }).safeParse({}).error).body.error.code).toBe('invalid_input');
    // Every issue, by its path, and the input as a whole where the path is empty.
    const both = z.object({ a: z.object({ b: z.number().min(1) }) }).refine(() => false, 'never').safeParse({ a: { b: 0 } }).error;
    const issues = [{ path: 'a.b', message: 'Too small: expected number to be >=1' }, { path: '', message: 'never' }];
    expect(toErrorResponse(both)).toEqual({ status: 400, body: { error: { code: 'invalid_input', message: 'a.b: Too small: expected number to be >=1; input: never', details: { issues } } } });
    expect(toErrorResponse(customerNotFound('C1', '2026-11-01 00:00:00'))).toEqual({
      status: 404,
      body: { error: { code: 'not_found', message: 'customer "C1" is not in the store as of 2026-11-01 00:00:00', details: { customer: 'C1', as_of: '2026-11-01 00:00:00' } } },
    });
    const internal = toErrorResponse(new Error('connection string postgres://secret@db'));
    expect(internal).toEqual({ status: 500, body: { error: { code: 'internal', message: 'internal server error', details: {} } } });
  });
});

describe('segmint keys', () => {
  const dir = tempDir();
  afterAll(() => dir.cleanup());
  const segmint = (...args: string[]) => runCli(['--db', join(dir.path, 'k.duckdb'), ...args]);

  it('prints a new key once, lists keys without them, and refuses unknown scopes', () => {
    const created = segmint('keys', 'create', '--workspace', 'acme', '--scopes', 'audiences:read,admin', '--json');
    expect(created.stderr).toBe('');
    const key = JSON.parse(created.stdout);
    expect(key).toMatchObject({ workspace: 'acme', scopes: ['audiences:read', 'admin'] });
    expect(key.key).toMatch(/^sgm_[A-Za-z0-9_-]{43}$/);
    const listed = segmint('keys', 'list', '--json');
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ id: key.id, workspace: 'acme', revoked: false })]);
    expect(listed.stdout).not.toContain(key.key);
    const bad = segmint('keys', 'create', '--scopes', 'root');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/"root" is not one of/);
    expect(segmint('keys', 'create', '--workspace', '../x', '--scopes', 'admin').code).toBe(2);
  });
});
