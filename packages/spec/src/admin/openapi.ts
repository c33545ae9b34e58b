import { onboardingComponentSchemas } from '../onboarding.js';
import { API_VERSION, componentSchemas, license, paths } from '../openapi.js';
import { ADMIN_SESSION_COOKIE, CSRF_HEADER } from './console.js';
import { ADMIN_OPERATIONS, adminComponentSchemas } from './operations.js';

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

/**
 * The OpenAPI 3.1 document of the provider's back office (`/admin/api`), committed as `admin-openapi.json`.
 * @example
 * const doc = buildAdminOpenApi(); doc.openapi; // '3.1.0'
 */
export function buildAdminOpenApi(): Record<string, unknown> {
  const operations = paths(ADMIN_OPERATIONS);
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
    ],
    security: [{ adminAuth: [] }],
    paths: operations,
    components: {
      schemas: referencedSchemas(operations, {
        ...componentSchemas(),
        ...onboardingComponentSchemas(),
        ...adminComponentSchemas(),
      }),
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
