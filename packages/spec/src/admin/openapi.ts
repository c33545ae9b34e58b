import { PROVIDER_STEPS } from '../lifecycle.js';
import { onboardingComponentSchemas } from '../onboarding.js';
import { API_VERSION, componentSchemas, license, paths, WEBHOOK_HEADER_PARAMETERS } from '../openapi.js';
import { ref } from '../operations.js';
import { ADMIN_SESSION_COOKIE, CSRF_HEADER } from './console.js';
import { ADMIN_OPERATIONS, adminComponentSchemas } from './operations.js';
import { PROVIDER_EVENT_TYPES } from './provider-events.js';

const ADMIN_DESCRIPTION = `The provider's back office of a finum-sync server: what the provider's own systems do — import records, set contract statuses, attach documents, see what waits for them and how callbacks went. Every endpoint needs \`Authorization: Bearer <ADMIN_TOKEN>\` (programs, the CLI) or the session cookie of \`POST /admin/api/session\` (the \`/admin/\` pages), which also needs the session's CSRF token in \`${CSRF_HEADER}\` on every state-changing request; consumer tokens are refused. Errors are RFC 9457 \`application/problem+json\` as in the consumer API. The records are those of the FiNUM Sync API (\`/v1/openapi.json\`).`;

/** Keeps the component schemas the document references (directly or through others). */
function referencedSchemas(document: unknown, schemas: Record<string, unknown>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  const visit = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        const name =
          key === '$ref' && typeof value === 'string' ? value.replace('#/components/schemas/', '') : undefined;
        if (name && schemas[name] && !kept[name]) {
          kept[name] = schemas[name];
          visit(schemas[name]);
        } else visit(value);
      }
    }
  };
  visit(document);
  return kept;
}

/** What a provider event asks of the core system, by type. */
const PROVIDER_EVENT_SUMMARIES: Record<(typeof PROVIDER_EVENT_TYPES)[number], string> = {
  'contract.created': 'A consumer created a contract (`status` is its first status).',
  'contract.proposal-requested':
    'A consumer asked for a proposal (→ 120): create it, attach it (`asProposal=true`) and set 130 — or 110 with a note naming what is missing.',
  'contract.order-placed':
    'A consumer placed the order (→ 230): issue the policy, attach it and set 320 with the contract number.',
  'contract.withdrawn': 'A consumer withdrew its proposal (→ 190).',
  'client.created': 'A consumer created a client.',
  'client.updated': 'A consumer changed a client.',
  'file.uploaded': 'A consumer uploaded a document to a contract or a client.',
  'application.submitted': 'Someone applied for access on `/onboarding/`: decide it in the back office.',
};

/**
 * Provider events as OpenAPI 3.1 webhooks: POSTed to every `PROVIDER_WEBHOOK_URL`, signed
 * with `PROVIDER_WEBHOOK_SECRET`, delivered like consumer callbacks.
 */
function providerEventWebhooks(): Record<string, unknown> {
  return Object.fromEntries(
    PROVIDER_EVENT_TYPES.map((type) => [
      type,
      {
        post: {
          operationId: `providerEvent.${type}`,
          tags: ['provider events'],
          summary: PROVIDER_EVENT_SUMMARIES[type],
          description: `Sent to every URL of \`PROVIDER_WEBHOOK_URL\` (comma-separated) in the transaction of the change, through the outbox of consumer callbacks: signed per Standard Webhooks with \`PROVIDER_WEBHOOK_SECRET\` (\`whsec_…\`), de-duplicate by \`webhook-id\`; any non-2xx answer or a 10 s timeout is retried with exponential backoff for 3 days; \`410 Gone\` stops retries for that URL; deliveries survive a restart and show in \`GET /admin/api/deliveries?kind=provider\`. Loopback and private addresses are refused unless \`ALLOW_PRIVATE_CALLBACKS=true\` or the URL's host is listed in \`PROVIDER_WEBHOOK_ALLOW_HOSTS\` (which also admits plain http for it); link-local stays refused. Only what consumers and applicants do is announced, not the provider's own changes.`,
          parameters: WEBHOOK_HEADER_PARAMETERS,
          requestBody: { required: true, content: { 'application/json': { schema: ref('ProviderEvent') } } },
          responses: {
            200: { description: 'Received (any 2xx).' },
            410: { description: 'Gone: stop calling this URL.' },
          },
        },
      },
    ]),
  );
}

/**
 * The OpenAPI 3.1 document of the provider's back office (`/admin/api`), committed as `admin-openapi.json`.
 * @example
 * const doc = buildAdminOpenApi(); doc.openapi; // '3.1.0'
 */
export function buildAdminOpenApi(): Record<string, unknown> {
  const operations = paths(ADMIN_OPERATIONS);
  const webhooks = providerEventWebhooks();
  return {
    openapi: '3.1.0',
    info: { title: 'finum-sync provider back office', version: API_VERSION, description: ADMIN_DESCRIPTION, license },
    servers: [{ url: '/', description: 'This provider' }],
    tags: [
      { name: 'back office', description: 'Records and contracts, as the provider’s systems change them.' },
      { name: 'callbacks', description: 'Callback deliveries and their attempts.' },
      { name: 'session', description: 'Sign-in of the `/admin/` pages.' },
      { name: 'applications', description: 'Onboarding applications: approve or reject.' },
      { name: 'consumers', description: 'Consumers: disable, enable, keys, callback secret.' },
      { name: 'provider events', description: 'Events this server POSTs to the provider’s core system.' },
      { name: 'audit', description: 'Who did what and when in the back office.' },
    ],
    security: [{ adminAuth: [] }],
    // The lifecycle's provider steps (SPEC §8), from the spec's status table: what the back office's
    // work queue offers for a contract waiting at 120 or 230 (its next status, the document it needs).
    'x-provider-steps': PROVIDER_STEPS,
    paths: operations,
    webhooks,
    components: {
      schemas: referencedSchemas(
        { operations, webhooks },
        {
          ...componentSchemas(),
          ...onboardingComponentSchemas(),
          ...adminComponentSchemas(),
        },
      ),
      securitySchemes: {
        adminAuth: {
          type: 'http',
          scheme: 'bearer',
          description: 'The provider’s `ADMIN_TOKEN`.',
        },
        adminSession: {
          type: 'apiKey',
          in: 'cookie',
          name: ADMIN_SESSION_COOKIE,
          description: `The session of \`POST /admin/api/session\`; state-changing requests also need \`${CSRF_HEADER}\`.`,
        },
      },
    },
  };
}
