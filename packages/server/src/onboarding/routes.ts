import { ProblemError } from '@finum-sync/spec';
import type { FastifyRequest } from 'fastify';
import { KEY_ALGORITHMS } from '../auth/public-key.js';
import type { Config } from '../config.js';
import type { Handlers } from '../routes/handlers.js';
import { addressLimiter } from '../web/address-limiter.js';
import { applicationStatus, type OnboardingDeps, submitApplication } from './applications.js';

function idempotencyKey(request: FastifyRequest): string | undefined {
  const header = request.headers['idempotency-key'];
  if (header === undefined) return undefined;
  if (typeof header !== 'string' || header.length < 1 || header.length > 255) {
    throw new ProblemError('invalid-parameter', 'Idempotency-Key must be one header of 1–255 characters.', {
      errors: [{ field: 'Idempotency-Key', message: 'must be 1–255 characters' }],
    });
  }
  return header;
}

/** The public endpoints of `ONBOARDING_OPERATIONS`. */
export function onboardingHandlers(deps: OnboardingDeps, config: Config): Handlers {
  const limit = addressLimiter(config.onboardingRateLimit, 'onboarding', deps.store);
  const providerInfo = {
    audience: config.publicUrl,
    maxTokenLifetime: config.maxTokenLifetimeS,
    algorithms: KEY_ALGORITHMS,
    demo: config.demo,
  };
  return {
    providerInfo: async (_request, reply) => reply.send(providerInfo),

    submitApplication: async (request, reply) => {
      // Counted before anything else: refused forms count too.
      await limit(request);
      const { created, receipt } = await submitApplication(deps, request.body, idempotencyKey(request));
      return reply.code(created ? 201 : 200).send(receipt);
    },

    applicationStatus: async (request, reply) => {
      const body = request.body as { token?: unknown } | null;
      return reply.send(await applicationStatus(deps, typeof body === 'object' && body ? body.token : undefined));
    },
  };
}
