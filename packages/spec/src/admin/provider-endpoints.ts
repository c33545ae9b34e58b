import Type, { type Static, type TSchema } from 'typebox';
import type { OperationDef } from '../operations.js';
import { ref } from '../operations.js';
import type { ProblemCode } from '../problems.js';

/**
 * Provider event endpoints managed in the back office (`/admin/api/provider-endpoints`), in
 * addition to `PROVIDER_WEBHOOK_URL`: each has its own `whsec_…` secret, shown when it is
 * added or rotated, never listed.
 */

const json = (schema: TSchema | { $ref: string }) => ({ 'application/json': { schema } });
const PROBLEMS: ProblemCode[] = ['unauthorized', 'forbidden', 'rate-limited'];
const CSRF_NOTE = 'With the session cookie, send the session’s `csrfToken` in `X-CSRF-Token`.';
const endpointId = {
  name: 'id',
  in: 'path' as const,
  required: true,
  schema: Type.String({ pattern: '^pe_[0-9a-z]{20}$' }),
  description: 'The endpoint id.',
};

/**
 * `/admin/api/provider-endpoints`; part of `ADMIN_OPERATIONS`.
 * @example
 * PROVIDER_ENDPOINT_OPERATIONS.map((op) => op.method); // ['GET', 'POST', 'DELETE', 'POST']
 */
export const PROVIDER_ENDPOINT_OPERATIONS: readonly OperationDef[] = [
  {
    operationId: 'adminProviderEndpoints',
    method: 'GET',
    path: '/admin/api/provider-endpoints',
    tag: 'provider events',
    summary: 'Where provider events go',
    description:
      'The endpoints added here and those of `PROVIDER_WEBHOOK_URL` (`source: "environment"`, not removable here). No secrets.',
    security: 'admin',
    responses: {
      200: {
        description: 'The endpoints.',
        content: json({ type: 'array', items: ref('ProviderEndpoint') } as TSchema),
      },
    },
    problems: PROBLEMS,
  },
  {
    operationId: 'adminAddProviderEndpoint',
    method: 'POST',
    path: '/admin/api/provider-endpoints',
    tag: 'provider events',
    summary: 'Add a provider event endpoint',
    description: `From now on every provider event is also POSTed there, signed with a secret of its own (in the answer, once). The URL is checked like a callback URL: https (or http on a host of \`PROVIDER_WEBHOOK_ALLOW_HOSTS\`), no credentials, no loopback or private address unless \`ALLOW_PRIVATE_CALLBACKS=true\` or the host is allow-listed, never link-local. ${CSRF_NOTE}`,
    security: 'admin',
    requestBody: { description: 'The URL.', content: json(ref('NewProviderEndpoint')) },
    responses: { 201: { description: 'The endpoint and its secret.', content: json(ref('ProviderEndpointSecret')) } },
    problems: [...PROBLEMS, 'invalid-body', 'malformed-json', 'callback-url-refused', 'conflict'],
  },
  {
    operationId: 'adminRemoveProviderEndpoint',
    method: 'DELETE',
    path: '/admin/api/provider-endpoints/{id}',
    tag: 'provider events',
    summary: 'Remove a provider event endpoint',
    description: `No more events go there; its pending deliveries stop. ${CSRF_NOTE}`,
    security: 'admin',
    parameters: [endpointId],
    responses: { 204: { description: 'Removed.' } },
    problems: [...PROBLEMS, 'not-found'],
  },
  {
    operationId: 'adminRotateProviderEndpointSecret',
    method: 'POST',
    path: '/admin/api/provider-endpoints/{id}/secret',
    tag: 'provider events',
    summary: 'Rotate an endpoint’s secret',
    description: `Issues a new \`whsec_…\` secret; events are signed with it from now on. ${CSRF_NOTE}`,
    security: 'admin',
    parameters: [endpointId],
    responses: {
      200: { description: 'The endpoint and its new secret.', content: json(ref('ProviderEndpointSecret')) },
    },
    problems: [...PROBLEMS, 'not-found'],
  },
];

/**
 * A provider event endpoint (no secret).
 * @example
 * const e: ProviderEndpoint = { id: 'pe_…', url: 'https://core.example/events', source: 'admin', description: null, createdAt: '…' };
 */
export const ProviderEndpoint = Type.Object(
  {
    id: Type.Union([Type.String(), Type.Null()], { description: 'Null for one of `PROVIDER_WEBHOOK_URL`.' }),
    url: Type.String(),
    source: Type.Enum(['admin', 'environment']),
    description: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { additionalProperties: false },
);
export type ProviderEndpoint = Static<typeof ProviderEndpoint>;

/**
 * Body of `POST /admin/api/provider-endpoints`.
 * @example
 * const body: NewProviderEndpoint = { url: 'https://core.example/events' };
 */
export const NewProviderEndpoint = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2000 }),
    description: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type NewProviderEndpoint = Static<typeof NewProviderEndpoint>;

/**
 * An endpoint with its secret: the answer of adding one or rotating its secret.
 * @example
 * const { secret }: ProviderEndpointSecret = await response.json();
 */
export const ProviderEndpointSecret = Type.Object(
  {
    id: Type.String(),
    url: Type.String(),
    secret: Type.String({ description: 'Standard Webhooks secret (`whsec_…`): verify the events with it.' }),
  },
  { additionalProperties: false },
);
export type ProviderEndpointSecret = Static<typeof ProviderEndpointSecret>;

/**
 * The endpoints' component schemas.
 * @example
 * Object.keys(providerEndpointSchemas()).length; // 3
 */
export function providerEndpointSchemas(): Record<string, unknown> {
  return { ProviderEndpoint, NewProviderEndpoint, ProviderEndpointSecret };
}
