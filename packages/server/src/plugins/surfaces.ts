/**
 * The API surfaces' path prefixes: each is an encapsulated Fastify plugin registered with its
 * prefix (`app.ts`), and every answer under one carries `Cache-Control: no-store` (`/v1`'s
 * interactive docs excepted) — also an unknown path's, answered by the root (`problems.ts`).
 */
export const SURFACE_PREFIXES = {
  consumer: '/v1',
  backOffice: '/admin/api',
  onboarding: '/onboarding/api',
} as const;
