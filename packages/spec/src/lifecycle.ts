/**
 * The contract lifecycle of SPEC §8 as data. Transitions, the OpenAPI document, the
 * demo provider simulator and the validator all read this table; nothing restates it.
 */

export type StatusFamily = 'proposal' | 'application' | 'active' | 'ended';

export interface StatusDef {
  readonly label: string;
  readonly setBy: 'consumer' | 'provider';
  readonly family: StatusFamily;
  /** Statuses the consumer may move a contract to from this one. */
  readonly consumerMayMoveTo: readonly number[];
  /** The provider has to act: a proposal (120) or an order (230) is waiting. */
  readonly awaitsProvider?: boolean;
  /** Published FiNUM flow status. */
  readonly fixed?: boolean;
}

export const CONTRACT_STATUSES = {
  100: { label: 'Draft', setBy: 'consumer', family: 'proposal', consumerMayMoveTo: [120, 190] },
  110: {
    label: 'Wait for client data',
    setBy: 'provider',
    family: 'proposal',
    consumerMayMoveTo: [120, 190],
    fixed: true,
  },
  120: {
    label: 'Create proposal',
    setBy: 'consumer',
    family: 'proposal',
    consumerMayMoveTo: [190],
    awaitsProvider: true,
    fixed: true,
  },
  130: {
    label: 'Proposal available',
    setBy: 'provider',
    family: 'proposal',
    consumerMayMoveTo: [120, 230, 190],
    fixed: true,
  },
  140: { label: 'Proposal declined by the provider', setBy: 'provider', family: 'proposal', consumerMayMoveTo: [] },
  190: { label: 'Proposal withdrawn by the consumer', setBy: 'consumer', family: 'proposal', consumerMayMoveTo: [] },
  230: {
    label: 'Proposal sent',
    setBy: 'consumer',
    family: 'application',
    consumerMayMoveTo: [],
    awaitsProvider: true,
    fixed: true,
  },
  240: { label: 'Application under review', setBy: 'provider', family: 'application', consumerMayMoveTo: [] },
  250: { label: 'Application declined', setBy: 'provider', family: 'application', consumerMayMoveTo: [] },
  320: { label: 'Active', setBy: 'provider', family: 'active', consumerMayMoveTo: [], fixed: true },
  330: { label: 'Suspended', setBy: 'provider', family: 'active', consumerMayMoveTo: [] },
  410: { label: 'Terminated by the client', setBy: 'provider', family: 'ended', consumerMayMoveTo: [] },
  420: { label: 'Terminated by the provider', setBy: 'provider', family: 'ended', consumerMayMoveTo: [] },
  430: { label: 'Expired / matured', setBy: 'provider', family: 'ended', consumerMayMoveTo: [] },
} as const satisfies Record<number, StatusDef>;

export type ContractStatus = keyof typeof CONTRACT_STATUSES;

export const CONTRACT_STATUS_CODES = Object.keys(CONTRACT_STATUSES).map(Number) as ContractStatus[];

/** Statuses a consumer may create a contract with; 120 is the default. */
export const CONSUMER_CREATE_STATUSES = [100, 120] as const satisfies readonly ContractStatus[];
export const DEFAULT_CREATE_STATUS = 120 satisfies ContractStatus;

/** Every status a consumer may ever move a contract to. */
export const CONSUMER_TARGET_STATUSES = [
  ...new Set(Object.values(CONTRACT_STATUSES).flatMap((s: StatusDef) => s.consumerMayMoveTo)),
].sort((a, b) => a - b) as ContractStatus[];

/** Consumers may change a contract's data fields only below this status. */
export const DATA_FROZEN_FROM = 200;

export const PROPOSAL_REQUESTED = 120 satisfies ContractStatus;
export const WAIT_FOR_CLIENT_DATA = 110 satisfies ContractStatus;

export function isContractStatus(value: unknown): value is ContractStatus {
  return typeof value === 'number' && Object.hasOwn(CONTRACT_STATUSES, value);
}

export function statusDef(status: ContractStatus): StatusDef {
  return CONTRACT_STATUSES[status];
}

/** Statuses the provider's systems wait on (120: proposal requested, 230: order placed). */
export const AWAITING_PROVIDER_STATUSES = CONTRACT_STATUS_CODES.filter(
  (s) => (CONTRACT_STATUSES[s] as StatusDef).awaitsProvider,
);

export type ConsumerTransition =
  | { ok: true; changed: boolean }
  | { ok: false; reason: 'provider-only'; allowed: readonly number[] }
  | { ok: false; reason: 'not-allowed'; allowed: readonly number[] };

/**
 * May the consumer move a contract from `from` to `to`? Sending the current status
 * again is not a transition (it changes nothing about the status).
 */
export function checkConsumerTransition(from: ContractStatus, to: ContractStatus): ConsumerTransition {
  const allowed = statusDef(from).consumerMayMoveTo;
  if (from === to) return { ok: true, changed: false };
  if (statusDef(to).setBy === 'provider') return { ok: false, reason: 'provider-only', allowed };
  if (!allowed.includes(to)) return { ok: false, reason: 'not-allowed', allowed };
  return { ok: true, changed: true };
}
