import { type ProblemCode, problemType } from '@finum-sync/spec';
import { expect } from 'vitest';
import type { TestResponse } from './server.js';

/** Traces of a stack or of source paths that must never reach a response body. */
const LEAK = /\n\s+at |node_modules|[\w/-]+\.[cm]?[jt]s:\d+|Error: /;

/**
 * Asserts an RFC 9457 problem answer (SPEC §2): the status, `application/problem+json`,
 * a body whose `status` equals the HTTP status, and no stack trace. Then, when given, the
 * catalog code (its `type`) and the fields `errors` lists and `detail` names — or a
 * pattern the `detail` matches.
 */
export function expectProblem(
  res: TestResponse,
  status: number,
  expected?: ProblemCode | RegExp,
  fields: string[] = [],
): void {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json\b/);
  expect(res.body).toMatchObject({
    type: expect.stringMatching(/\S/),
    title: expect.stringMatching(/\S/),
    status,
    detail: expect.stringMatching(/\S/),
  });
  expect(res.text).not.toMatch(LEAK);
  if (expected instanceof RegExp) expect(res.body.detail).toMatch(expected);
  else if (expected) expect(res.body.type, res.text).toBe(problemType(expected));
  const named = ((res.body.errors ?? []) as Array<{ field: string }>).map((e) => e.field);
  for (const field of fields) {
    expect(named, res.text).toContain(field);
    expect(res.body.detail, res.text).toContain(field);
  }
}

/** Asserts a refused token (SPEC §3): a 401 problem naming the rule, and a Bearer challenge. */
export function expectUnauthorized(res: TestResponse, detail: RegExp): void {
  expectProblem(res, 401, detail);
  expect(res.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
}

/** `Authorization` header for a given token. */
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
