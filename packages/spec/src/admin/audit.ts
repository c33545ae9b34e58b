import Type, { type Static, type TSchema } from 'typebox';
import type { OperationDef } from '../operations.js';
import { ref } from '../operations.js';
import type { ProblemCode } from '../problems.js';
import { ACTOR_KINDS, AUDIT_ACTIONS, AUDIT_TARGET_TYPES } from './constants.js';

/**
 * The audit trail of the back office (`GET /admin/api/audit`): who did what and when. Every
 * administrative action writes its entry in the transaction of the action itself.
 */

export {
  ACTOR_KINDS,
  type ActorKind,
  AUDIT_ACTIONS,
  AUDIT_TARGET_TYPES,
  type AuditAction,
  type AuditTargetType,
} from './constants.js';

/**
 * The actor of an audit entry.
 * @example
 * const actor: AuditActor = { kind: 'cli', name: 'ops@host-1', address: null };
 */
export const AuditActor = Type.Object(
  {
    kind: Type.Enum([...ACTOR_KINDS]),
    name: Type.String({
      description:
        'Which one: the session (a short id of it), `ADMIN_TOKEN`, the CLI’s `user@host`, the application id, or the server part (`demo`, `seed`).',
    }),
    address: Type.Union([Type.String(), Type.Null()], { description: 'The client address of an HTTP request.' }),
  },
  { additionalProperties: false },
);
export type AuditActor = Static<typeof AuditActor>;

/**
 * One entry of the audit trail.
 * @example
 * const entry: AuditEntry = { id: 'aud_…', at: '2026-11-28T17:00:00.000Z', actor, action: 'consumer.disabled', target: { type: 'consumer', id: 'acme' }, detail: {} };
 */
export const AuditEntry = Type.Object(
  {
    id: Type.String(),
    at: Type.String({ format: 'date-time', description: 'When (the time of the action’s transaction).' }),
    actor: Type.Unsafe<AuditActor>(ref('AuditActor')),
    action: Type.Enum([...AUDIT_ACTIONS]),
    target: Type.Object(
      {
        type: Type.Enum([...AUDIT_TARGET_TYPES]),
        id: Type.Union([Type.String(), Type.Null()], { description: 'Null for an import.' }),
      },
      { additionalProperties: false },
    ),
    detail: Type.Record(Type.String(), Type.Unknown(), {
      description: 'A few facts of the action (e.g. the status before and after, the import’s counts).',
    }),
  },
  { additionalProperties: false },
);
export type AuditEntry = Static<typeof AuditEntry>;

const PROBLEMS: ProblemCode[] = ['unauthorized', 'forbidden', 'rate-limited', 'invalid-parameter'];

/**
 * `GET /admin/api/audit`; part of `ADMIN_OPERATIONS`.
 * @example
 * AUDIT_OPERATIONS[0]?.path; // '/admin/api/audit'
 */
export const AUDIT_OPERATIONS: readonly OperationDef[] = [
  {
    operationId: 'adminAudit',
    method: 'GET',
    path: '/admin/api/audit',
    tag: 'audit',
    summary: 'The audit trail',
    description:
      'Who did what and when, newest first: applications decided, consumers added, disabled or enabled, keys added or removed, callback secrets rotated, imports, statuses set and documents attached by the provider, provider event endpoints added, removed or rotated. Each entry is written in the transaction of its action.',
    security: 'admin',
    parameters: [
      { name: 'action', in: 'query', schema: Type.Enum([...AUDIT_ACTIONS]), description: 'Only this action.' },
      {
        name: 'actor-kind',
        in: 'query',
        schema: Type.Enum([...ACTOR_KINDS]),
        description: 'Only actions of this kind of actor.',
      },
      {
        name: 'target-type',
        in: 'query',
        schema: Type.Enum([...AUDIT_TARGET_TYPES]),
        description: 'Only actions on this kind of target.',
      },
      {
        name: 'target-id',
        in: 'query',
        schema: Type.String({ minLength: 1, maxLength: 200 }),
        description: 'Only actions on this target (a consumer, contract or application id).',
      },
      {
        name: 'since',
        in: 'query',
        schema: Type.String({ format: 'date-time' }),
        description: 'Only actions at or after this time.',
      },
      {
        name: 'until',
        in: 'query',
        schema: Type.String({ format: 'date-time' }),
        description: 'Only actions before this time.',
      },
      {
        name: 'limit',
        in: 'query',
        schema: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
        description: 'At most this many (default 100).',
      },
    ],
    responses: {
      200: {
        description: 'The entries, newest first.',
        content: { 'application/json': { schema: { type: 'array', items: ref('AuditEntry') } as TSchema } },
      },
    },
    problems: PROBLEMS,
  },
];

/**
 * The audit trail's component schemas.
 * @example
 * Object.keys(auditSchemas()); // ['AuditActor', 'AuditEntry']
 */
export function auditSchemas(): Record<string, unknown> {
  return { AuditActor, AuditEntry };
}
