import { KEY_ALGORITHMS } from '../auth/public-key.js';
import type { Config } from '../config.js';
import { idempotencyKeyOf } from '../plugins/idempotency.js';
import type { Handlers } from '../routes/handlers.js';
import { addressLimiter } from '../web/address-limiter.js';
import { applicationStatus, type OnboardingWebDeps, submitApplication } from './applications.js';

/** The public endpoints of `ONBOARDING_OPERATIONS`. */
export function onboardingHandlers(deps: OnboardingWebDeps, config: Config): Handlers {
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
      const { created, receipt } = await submitApplication(deps, request.body, idempotencyKeyOf(request));
      return reply.code(created ? 201 : 200).send(receipt);
    },

    applicationStatus: async (request, reply) => {
      const { body } = request;
      const token = typeof body === 'object' && body !== null && 'token' in body ? body.token : undefined;
      return reply.send(await applicationStatus(deps, token));
    },
  };
}
