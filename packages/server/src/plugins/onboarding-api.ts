import { ONBOARDING_OPERATIONS } from '@finum-sync/spec';
import type { FastifyInstance } from 'fastify';
import { type Handlers, registerOperations } from '../routes/handlers.js';
import { apiSurface } from './api-surface.js';

export interface OnboardingApiOptions {
  /** A handler for each of `ONBOARDING_OPERATIONS`. */
  handlers: Handlers;
}

/**
 * The onboarding page's API, registered with `{ prefix: '/onboarding/api' }`: public
 * endpoints (each form limited per address by its handler), `Cache-Control: no-store` on
 * all of it — the status answer shows a consumer's credentials.
 */
export async function onboardingApi(api: FastifyInstance, options: OnboardingApiOptions): Promise<void> {
  apiSurface(api);
  registerOperations(api, options.handlers, ONBOARDING_OPERATIONS);
}
