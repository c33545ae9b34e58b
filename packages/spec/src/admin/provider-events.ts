import Type, { type Static, type TSchema, type TUnsafe } from 'typebox';
import { ContractStatus, ORDER_PLACED, PROPOSAL_REQUESTED } from '../lifecycle.js';
import { Id, Timestamp } from '../primitives.js';

/**
 * Provider events (SPEC §10): what this server tells the provider's own core system —
 * POSTed to `PROVIDER_WEBHOOK_URL`, signed with `PROVIDER_WEBHOOK_SECRET` per Standard
 * Webhooks, delivered through the callback outbox. Not part of the FiNUM Sync standard
 * (consumers never see them), so documented in `admin-openapi.json`.
 */

/**
 * Every provider event type. Only what consumers (and onboarding applicants) do is
 * announced: the provider's own changes (back office, import, CLI) are not echoed back.
 * @example
 * PROVIDER_EVENT_TYPES.includes('contract.order-placed'); // true
 */
export const PROVIDER_EVENT_TYPES = [
  'contract.created',
  'contract.proposal-requested',
  'contract.order-placed',
  'contract.withdrawn',
  'client.created',
  'client.updated',
  'file.uploaded',
  'application.submitted',
] as const;
/**
 * One of {@link PROVIDER_EVENT_TYPES}.
 * @example
 * const type: ProviderEventType = 'contract.proposal-requested';
 */
export type ProviderEventType = (typeof PROVIDER_EVENT_TYPES)[number];

/** The status 190: the consumer withdrew its proposal. */
const WITHDRAWN = 190;

/**
 * The contract event a consumer's status change announces (the status the contract reached):
 * 120 asks the core system for a proposal, 230 for the policy, 190 withdraws.
 * @example
 * CONTRACT_STATUS_EVENTS[230]; // 'contract.order-placed'
 */
export const CONTRACT_STATUS_EVENTS: Readonly<Record<number, ProviderEventType>> = {
  [PROPOSAL_REQUESTED]: 'contract.proposal-requested',
  [ORDER_PLACED]: 'contract.order-placed',
  [WITHDRAWN]: 'contract.withdrawn',
};

/**
 * The body of a provider event: a notification. The core system reads what it needs
 * (`GET /admin/api/contracts/awaiting`, the records) and answers through the back office.
 * @example
 * const event: ProviderEvent = {
 *   type: 'contract.proposal-requested', occurredAt: '2026-11-23T10:15:30.123Z',
 *   consumerId: 'acme', contractId: 'c-1', recordId: 'c-1', status: 120, previousStatus: 100,
 * };
 */
export const ProviderEvent = Type.Object(
  {
    type: Type.Union(
      PROVIDER_EVENT_TYPES.map((t) => Type.Literal(t)),
      { description: 'What happened.' },
    ) as TSchema as TUnsafe<ProviderEventType>,
    occurredAt: Timestamp,
    consumerId: Type.Optional(Id),
    contractId: Type.Optional(Type.Union([Id, Type.Null()], { description: 'The contract concerned, if any.' })),
    recordId: Type.Optional(Id),
    clientId: Type.Optional(
      Type.Union([Id, Type.Null()], { description: 'For `file.uploaded`: the client the file belongs to, if any.' }),
    ),
    status: Type.Optional(ContractStatus),
    previousStatus: Type.Optional(
      Type.Union([ContractStatus, Type.Null()], { description: '`null` when the contract was created.' }),
    ),
    applicationId: Type.Optional(Type.String({ description: 'For `application.submitted`.' })),
    company: Type.Optional(Type.String({ description: 'For `application.submitted`: the applicant.' })),
  },
  { additionalProperties: false },
);
export type ProviderEvent = Static<typeof ProviderEvent>;
