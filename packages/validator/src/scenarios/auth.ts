import { REFUSED_TOKENS, type RefusedToken } from '../tokens.js';
import type { Scenario } from './context.js';

/**
 * SPEC §3: auth-status without a token and with every kind of refused token (the run
 * starts with auth-status and a valid token: see `validate`).
 */
export const authScenario: Scenario = async (ctx) => {
  const { tokens } = ctx.primary;
  await ctx.send({ probe: 'auth.no-token', path: '/v1/auth-status', negative: true, token: undefined });
  await Promise.all(
    (Object.keys(REFUSED_TOKENS) as RefusedToken[]).map(async (kind) =>
      ctx.send({
        probe: `auth.refused.${kind}`,
        path: '/v1/auth-status',
        negative: true,
        token: { value: await tokens.refused(kind), label: REFUSED_TOKENS[kind] },
      }),
    ),
  );
  // A refused token on a data endpoint too: the refusal is not special to auth-status.
  await ctx.send({
    probe: 'auth.refused-on-list.expired',
    path: '/v1/product-id-list-updated',
    negative: true,
    token: { value: await tokens.refused('expired'), label: REFUSED_TOKENS.expired },
  });
};
