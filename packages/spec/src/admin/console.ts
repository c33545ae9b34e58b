import Type, { type Static, type TSchema } from 'typebox';
import { SIGNING_ALGORITHMS } from '../auth.js';
import { APPLICATION_STATUSES, KEY_SOURCES } from '../onboarding.js';
import type { OperationDef, ParamDef } from '../operations.js';
import { ref } from '../operations.js';
import { Id } from '../primitives.js';
import type { ProblemCode } from '../problems.js';

/**
 * The back office's console endpoints (`/admin/`): sign-in, applications, consumers.
 * Part of `ADMIN_OPERATIONS`. Every one takes either `Authorization: Bearer <ADMIN_TOKEN>`
 * or the session cookie of `/admin/api/session` with the `X-CSRF-Token` header on
 * state-changing requests.
 */

/**
 * The session cookie of the admin pages.
 * @example
 * reply.setCookie(ADMIN_SESSION_COOKIE, session.id, { httpOnly: true, sameSite: 'strict' });
 */
export const ADMIN_SESSION_COOKIE = 'finum_admin_session';
/**
 * The header carrying the session's CSRF token (synchronizer token) on state-changing requests.
 * @example
 * fetch('/admin/api/session', { method: 'DELETE', headers: { [CSRF_HEADER]: csrfToken } });
 */
export const CSRF_HEADER = 'X-CSRF-Token';

const json = (schema: TSchema | { $ref: string }) => ({ 'application/json': { schema } });
const arrayOf = (name: string) => json({ type: 'array', items: ref(name) } as TSchema);
const body = (description: string, schemaName: string) => ({ description, content: json(ref(schemaName)) });

// 429: too many failed authentications from the address (AUTH_FAILURE_LIMIT).
const PROBLEMS: ProblemCode[] = ['unauthorized', 'forbidden', 'rate-limited'];
const WRITE_PROBLEMS: ProblemCode[] = [...PROBLEMS, 'invalid-body', 'malformed-json', 'not-found'];

const pathParam = (name: string, description: string, schema: TSchema | { $ref: string } = ref('Id')): ParamDef => ({
  name,
  in: 'path',
  required: true,
  schema,
  description,
});
const applicationId = pathParam('id', 'The application id.', { type: 'string' } as TSchema);
const consumerId = pathParam('id', 'The consumer id.');

const CSRF_NOTE = `With the session cookie, send the session’s \`csrfToken\` in \`${CSRF_HEADER}\`; without it the request is refused (403).`;

/**
 * The console's operations (sign-in, applications, consumers); part of `ADMIN_OPERATIONS`.
 * @example
 * ADMIN_CONSOLE_OPERATIONS.map((op) => op.operationId).includes('adminSignIn'); // true
 */
export const ADMIN_CONSOLE_OPERATIONS: readonly OperationDef[] = [
  {
    operationId: 'adminSignIn',
    method: 'POST',
    path: '/admin/api/session',
    tag: 'session',
    summary: 'Sign in with the admin token',
    description: `Checks the \`ADMIN_TOKEN\` and opens a session: sets the \`${ADMIN_SESSION_COOKIE}\` cookie (HttpOnly, SameSite=Strict, Secure on https) and answers with the session’s CSRF token. Attempts are limited per client address (429 with \`Retry-After\`).`,
    security: 'public',
    requestBody: body('The admin token.', 'AdminSignIn'),
    responses: {
      200: {
        description: 'Signed in.',
        content: json(ref('AdminSession')),
        headers: { 'Set-Cookie': { description: 'The session cookie.', schema: { type: 'string' } } },
      },
    },
    problems: ['unauthorized', 'forbidden', 'invalid-body', 'malformed-json', 'rate-limited'],
  },
  {
    operationId: 'adminSession',
    method: 'GET',
    path: '/admin/api/session',
    tag: 'session',
    summary: 'The current session',
    description: 'How this request is authenticated; with the session cookie, its CSRF token and expiry.',
    security: 'admin',
    responses: { 200: { description: 'The session.', content: json(ref('AdminSession')) } },
    problems: PROBLEMS,
  },
  {
    operationId: 'adminSignOut',
    method: 'DELETE',
    path: '/admin/api/session',
    tag: 'session',
    summary: 'Sign out',
    description: `Ends the session and clears its cookie. ${CSRF_NOTE}`,
    security: 'admin',
    responses: { 204: { description: 'Signed out.' } },
    problems: PROBLEMS,
  },
  {
    operationId: 'adminApplications',
    method: 'GET',
    path: '/admin/api/applications',
    tag: 'applications',
    summary: 'Onboarding applications',
    description: 'The newest first.',
    security: 'admin',
    parameters: [
      {
        name: 'status',
        in: 'query',
        schema: Type.Enum([...APPLICATION_STATUSES]),
        description: 'Only applications in this status.',
      },
    ],
    responses: { 200: { description: 'The applications.', content: arrayOf('Application') } },
    problems: [...PROBLEMS, 'invalid-parameter'],
  },
  {
    operationId: 'adminApproveApplication',
    method: 'POST',
    path: '/admin/api/applications/{id}/approve',
    tag: 'applications',
    summary: 'Approve an application',
    description: `Registers the consumer under the chosen id with the application’s public key and standing callback URL — or, when the applicant left the key pair to the provider, with a new ES256 pair whose private key the applicant’s status link shows once. The status link then shows the JWT payload and the callback secret. ${CSRF_NOTE}`,
    security: 'admin',
    parameters: [applicationId],
    requestBody: body('The consumer id to register.', 'ApproveApplication'),
    responses: { 200: { description: 'Approved.', content: json(ref('ApprovedApplication')) } },
    problems: [...WRITE_PROBLEMS, 'conflict'],
  },
  {
    operationId: 'adminRejectApplication',
    method: 'POST',
    path: '/admin/api/applications/{id}/reject',
    tag: 'applications',
    summary: 'Reject an application',
    description: `The applicant’s status link shows the reason. ${CSRF_NOTE}`,
    security: 'admin',
    parameters: [applicationId],
    requestBody: body('Why.', 'RejectApplication'),
    responses: { 200: { description: 'Rejected.', content: json(ref('Application')) } },
    problems: [...WRITE_PROBLEMS, 'conflict'],
  },
  {
    operationId: 'adminConsumers',
    method: 'GET',
    path: '/admin/api/consumers',
    tag: 'consumers',
    summary: 'Consumers and their keys',
    description: 'Every consumer with its status, standing callback URL and public keys (never its callback secret).',
    security: 'admin',
    responses: { 200: { description: 'The consumers.', content: arrayOf('Consumer') } },
    problems: PROBLEMS,
  },
  {
    operationId: 'adminAddConsumer',
    method: 'POST',
    path: '/admin/api/consumers',
    tag: 'consumers',
    summary: 'Register a consumer',
    description: `Registers a consumer with its public key (what \`finum-sync consumer add\` does), under this server’s audience (\`PUBLIC_URL\`). The standing callback URL follows the callback URL policy. Answers with the credentials to hand to the consumer: the JWT payload and the callback secret. ${CSRF_NOTE}`,
    security: 'admin',
    requestBody: body('The consumer and its key.', 'NewConsumer'),
    responses: { 201: { description: 'Registered.', content: json(ref('ConsumerCredentials')) } },
    problems: [...WRITE_PROBLEMS, 'conflict'],
  },
  {
    operationId: 'adminSetConsumerStatus',
    method: 'POST',
    path: '/admin/api/consumers/{id}/status',
    tag: 'consumers',
    summary: 'Disable or enable a consumer',
    description: `A disabled consumer’s tokens are refused at once by the server process that answers, and within 50 ms by every other process on the database (a token accepted before included). ${CSRF_NOTE}`,
    security: 'admin',
    parameters: [consumerId],
    requestBody: body('The new status.', 'ConsumerStatusChange'),
    responses: { 200: { description: 'The consumer.', content: json(ref('Consumer')) } },
    problems: WRITE_PROBLEMS,
  },
  {
    operationId: 'adminAddConsumerKey',
    method: 'POST',
    path: '/admin/api/consumers/{id}/keys',
    tag: 'consumers',
    summary: 'Add a public key (key rotation)',
    description: `Registers another public key; tokens then pick a key with the \`kid\` header. ${CSRF_NOTE}`,
    security: 'admin',
    parameters: [consumerId],
    requestBody: body('The key.', 'NewConsumerKey'),
    responses: { 201: { description: 'The key.', content: json(ref('ConsumerKey')) } },
    problems: [...WRITE_PROBLEMS, 'conflict'],
  },
  {
    operationId: 'adminRemoveConsumerKey',
    method: 'DELETE',
    path: '/admin/api/consumers/{id}/keys/{kid}',
    tag: 'consumers',
    summary: 'Remove a public key',
    description: `Tokens signed with it are refused at once by the server process that answers, and within 50 ms by every other process on the database (a token accepted before included). ${CSRF_NOTE}`,
    security: 'admin',
    parameters: [consumerId, pathParam('kid', 'The key id.', { type: 'string' } as TSchema)],
    responses: { 204: { description: 'Removed.' } },
    problems: [...PROBLEMS, 'not-found'],
  },
  {
    operationId: 'adminRotateCallbackSecret',
    method: 'POST',
    path: '/admin/api/consumers/{id}/callback-secret',
    tag: 'consumers',
    summary: 'Rotate the callback secret',
    description: `Issues a new \`whsec_…\` secret; callbacks are signed with it from now on. Hand it to the consumer (its status link shows it too). ${CSRF_NOTE}`,
    security: 'admin',
    parameters: [consumerId],
    responses: { 200: { description: 'The new secret.', content: json(ref('CallbackSecret')) } },
    problems: [...PROBLEMS, 'not-found'],
  },
];

const timestamp = Type.String({ format: 'date-time' });
const nullable = (schema: TSchema) => Type.Union([schema, Type.Null()]);

/**
 * The body of `POST /admin/api/session`: the admin token, exchanged for a session.
 * @example
 * const body: AdminSignIn = { token: process.env.ADMIN_TOKEN ?? '' };
 */
export const AdminSignIn = Type.Object({ token: Type.String({ description: 'The `ADMIN_TOKEN`.' }) });
export type AdminSignIn = Static<typeof AdminSignIn>;

/**
 * The body of an approval: the consumer id to create (and its display name).
 * @example
 * const body: ApproveApplication = { consumerId: 'acme-broker', name: 'ACME Versicherungsmakler GmbH' };
 */
export const ApproveApplication = Type.Object(
  {
    consumerId: Id,
    name: Type.Optional(Type.String({ maxLength: 200, description: 'Display name; the company by default.' })),
  },
  { additionalProperties: false },
);
export type ApproveApplication = Static<typeof ApproveApplication>;

/**
 * The body of a rejection: the reason the applicant reads.
 * @example
 * const body: RejectApplication = { reason: 'We could not verify the broker licence number.' };
 */
export const RejectApplication = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: 2000, description: 'Shown to the applicant.' }) },
  { additionalProperties: false },
);
export type RejectApplication = Static<typeof RejectApplication>;

/**
 * A consumer added by the back office: its id and public key, optionally name, callback URL, algorithm and kid.
 * @example
 * const body: NewConsumer = {
 *   id: 'acme-broker',
 *   publicKey: readFileSync('acme.public.pem', 'utf8'),
 *   name: 'ACME Versicherungsmakler GmbH',
 *   callbackUrl: 'https://crm.acme-broker.example/finum/callbacks',
 * };
 */
export const NewConsumer = Type.Object(
  {
    id: Id,
    publicKey: Type.String({ description: 'SPKI PEM: RSA ≥ 2048 bits, EC P-256 or Ed25519.' }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Display name; the id by default.' })),
    callbackUrl: Type.Optional(Type.String({ description: 'Standing callback URL for status changes.' })),
    alg: Type.Optional(Type.Enum([...SIGNING_ALGORITHMS], { description: 'Default: from the key.' })),
    kid: Type.Optional(Type.String({ description: 'Default: the RFC 7638 thumbprint.' })),
  },
  { additionalProperties: false },
);
export type NewConsumer = Static<typeof NewConsumer>;

/**
 * Enables or disables a consumer.
 * @example
 * const body: ConsumerStatusChange = { status: 'disabled' };
 */
export const ConsumerStatusChange = Type.Object(
  { status: Type.Enum(['active', 'disabled']) },
  { additionalProperties: false },
);
export type ConsumerStatusChange = Static<typeof ConsumerStatusChange>;

/**
 * A key added to a consumer (key rotation).
 * @example
 * const body: NewConsumerKey = { publicKey: readFileSync('acme-2027.public.pem', 'utf8'), alg: 'ES256', kid: 'acme-2027' };
 */
export const NewConsumerKey = Type.Object(
  {
    publicKey: Type.String({ description: 'SPKI PEM: RSA ≥ 2048 bits, EC P-256 or Ed25519.' }),
    alg: Type.Optional(Type.Enum([...SIGNING_ALGORITHMS], { description: 'Default: from the key.' })),
    kid: Type.Optional(Type.String({ description: 'Default: the RFC 7638 thumbprint.' })),
  },
  { additionalProperties: false },
);
export type NewConsumerKey = Static<typeof NewConsumerKey>;

/**
 * The console's component schemas.
 * @example
 * Object.keys(adminConsoleSchemas()).includes('Consumer'); // true
 */
export function adminConsoleSchemas(): Record<string, unknown> {
  return {
    AdminSignIn,
    AdminSession: Type.Object(
      {
        via: Type.Enum(['cookie', 'bearer'], { description: 'How this request was authenticated.' }),
        csrfToken: nullable(
          Type.String({ description: `Send it in \`${CSRF_HEADER}\` with state-changing requests.` }),
        ),
        expiresAt: nullable(timestamp),
      },
      { additionalProperties: false },
    ),
    Application: Type.Object(
      {
        id: Type.String(),
        status: Type.Enum([...APPLICATION_STATUSES]),
        company: Type.String(),
        contactName: Type.String(),
        email: Type.String(),
        phone: Type.String(),
        website: nullable(Type.String()),
        intendedUse: Type.String(),
        callbackUrl: nullable(Type.String()),
        keySource: Type.Enum([...KEY_SOURCES]),
        publicKey: nullable(Type.String({ description: 'SPKI PEM; null when the provider generates the pair.' })),
        submittedAt: timestamp,
        decidedAt: nullable(timestamp),
        rejectionReason: nullable(Type.String()),
        consumerId: nullable(Id),
      },
      { additionalProperties: false },
    ),
    ApproveApplication,
    ApprovedApplication: Type.Object(
      {
        application: ref('Application'),
        credentials: ref('ConsumerCredentials'),
      },
      { additionalProperties: false },
    ),
    RejectApplication,
    ConsumerKey: Type.Object(
      {
        kid: Type.String(),
        alg: Type.Enum([...SIGNING_ALGORITHMS]),
        publicKey: Type.String({ description: 'SPKI PEM.' }),
        createdAt: timestamp,
      },
      { additionalProperties: false },
    ),
    Consumer: Type.Object(
      {
        id: Id,
        name: Type.String(),
        status: Type.Enum(['active', 'disabled']),
        callbackUrl: nullable(Type.String()),
        createdAt: timestamp,
        keys: Type.Array(ref('ConsumerKey')),
        usage: Type.Object(
          {
            requests: Type.Integer({ minimum: 0, description: 'Authenticated requests, over every server process.' }),
            errors: Type.Integer({ minimum: 0, description: 'Of those, the answers with a status of 400 or more.' }),
            lastSeenAt: nullable(timestamp),
          },
          {
            additionalProperties: false,
            description: 'The consumer’s use of the API; each server process adds its counts every `USAGE_FLUSH_MS`.',
          },
        ),
      },
      { additionalProperties: false },
    ),
    NewConsumer,
    ConsumerStatusChange,
    NewConsumerKey,
    CallbackSecret: Type.Object({ consumerId: Id, callbackSecret: Type.String() }, { additionalProperties: false }),
  };
}
