import type { Scenario } from './context.js';

/**
 * SPEC §2 bad input: each request is wrong in one way and must get a 4xx problem, never
 * a 5xx, HTML or a stack trace. Bodies are sent only with --allow-writes (a POST is a
 * write attempt, even a malformed one).
 */
export const NEGATIVE_INPUTS: ReadonlyArray<{
  readonly name: string;
  readonly method?: string;
  readonly path: string;
  readonly body?: string;
  readonly headers?: Record<string, string>;
  readonly writes?: boolean;
  /** The statuses a conforming provider answers with. */
  readonly expect: readonly number[];
}> = [
  { name: 'invalid-id', path: '/v1/contract-list?id-list=not%20an%20id!', expect: [400] },
  { name: 'id-too-long', path: `/v1/client-list?id-list=${'a'.repeat(65)}`, expect: [400] },
  { name: 'nul-in-id', path: '/v1/user-list?id-list=a%00b', expect: [400] },
  { name: 'file-download-without-id', path: '/v1/file-download', expect: [400] },
  { name: 'file-download-unknown-id', path: '/v1/file-download?id=fsv-no-such-file', expect: [404] },
  { name: 'unknown-endpoint', path: '/v1/fsv-no-such-endpoint', expect: [404] },
  { name: 'holder-id-invalid', path: '/v1/contract-list?holder-id=%3Cscript%3E', expect: [400] },
  {
    name: 'malformed-json',
    method: 'POST',
    path: '/v1/client',
    body: '{"type":',
    headers: { 'content-type': 'application/json' },
    writes: true,
    expect: [400],
  },
  {
    name: 'body-not-an-object',
    method: 'PATCH',
    path: '/v1/contract',
    body: '[1,2,3]',
    headers: { 'content-type': 'application/json' },
    writes: true,
    expect: [400],
  },
];

export const errorsScenario: Scenario = async (ctx) => {
  const writes = ctx.capabilities.has('writes');
  await Promise.all(
    NEGATIVE_INPUTS.filter((input) => writes || !input.writes).map((input) =>
      ctx.send({
        probe: `errors.${input.name}`,
        path: input.path,
        negative: true,
        note: { expect: input.expect },
        ...(input.method ? { method: input.method } : {}),
        ...(input.body !== undefined ? { body: input.body } : {}),
        ...(input.headers ? { headers: input.headers } : {}),
      }),
    ),
  );
};
