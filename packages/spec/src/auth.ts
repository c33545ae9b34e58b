import Type, { type Static } from 'typebox';
import { Timestamp } from './primitives.js';

export * from './key-rules.js';
/**
 * The answer of `GET /v1/auth-status`: the token is valid, for this consumer, until then.
 * @example
 * const status: AuthStatus = { authenticated: true, consumerId: 'demo', tokenExpiresAt: '2026-11-23T11:15:30.000Z' };
 */
export const AuthStatus = Type.Object(
  {
    authenticated: Type.Literal(true),
    consumerId: Type.String({ description: 'The consumer the token belongs to (`sub`).' }),
    tokenExpiresAt: { ...Timestamp, description: 'The token’s `exp`.' },
  },
  { additionalProperties: false },
);
export type AuthStatus = Static<typeof AuthStatus>;
