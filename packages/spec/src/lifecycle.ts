import Type, { type TEnum } from 'typebox';

/**
 * The contract lifecycle of SPEC §8 as data. Transitions, the OpenAPI document, the
 * demo provider simulator and the validator all read this table; nothing restates it.
 */

/**
 * Where in a contract's life a status lies.
 * @example
 * statusDef(410).family; // 'ended'
 */
export type StatusFamily = (typeof STATUS_FAMILIES)[number];

/**
 * The families in the order a contract's life passes them.
 * @example
 * STATUS_FAMILIES.indexOf('active') > STATUS_FAMILIES.indexOf('proposal'); // true
 */
export const STATUS_FAMILIES = ['proposal', 'application', 'active', 'ended'] as const;

/**
 * What the provider does for a contract waiting at a status (SPEC §8): the status it moves
 * the contract to and the document it attaches; a proposal whose data are missing goes to
 * `whenDataMissing` instead, with {@link missingForProposalNote} as its `statusNote`.
 * @example
 * const step: ProviderStep = { to: 130, document: 'proposal', whenDataMissing: 110 };
 */
export interface ProviderStep {
  readonly to: number;
  readonly document: 'proposal' | 'policy';
  readonly whenDataMissing?: number;
  /** The step assigns the contract (policy) number. */
  readonly assignsContractNumber?: boolean;
}

/**
 * One row of the status table.
 * @example
 * const def: StatusDef = CONTRACT_STATUSES[120];
 */
export interface StatusDef {
  readonly label: string;
  readonly setBy: 'consumer' | 'provider';
  readonly family: StatusFamily;
  /** Statuses the consumer may move a contract to from this one. */
  readonly consumerMayMoveTo: readonly number[];
  /** The provider has to act: a proposal (120) or an order (230) is waiting; what it does. */
  readonly providerStep?: ProviderStep;
  /** Published FiNUM flow status. */
  readonly fixed?: boolean;
}

/**
 * The status table of SPEC §8.
 * @example
 * CONTRACT_STATUSES[130].consumerMayMoveTo; // [120, 230, 190]
 */
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
    providerStep: { to: 130, document: 'proposal', whenDataMissing: 110 },
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
    providerStep: { to: 320, document: 'policy', assignsContractNumber: true },
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

type StatusCode = keyof typeof CONTRACT_STATUSES;

/**
 * Every status code of the table, in order.
 * @example
 * CONTRACT_STATUS_CODES[0]; // 100
 */
export const CONTRACT_STATUS_CODES = Object.keys(CONTRACT_STATUSES).map(Number) as StatusCode[];

/**
 * A contract's lifecycle status: the union of the status codes, and its schema.
 * @example
 * const status: ContractStatus = 130;
 * compileCheck(ContractStatus)(135); // [{ field: '', message: 'must be one of: 100, …' }]
 */
export const ContractStatus: TEnum<StatusCode[]> = Type.Enum(CONTRACT_STATUS_CODES);
export type ContractStatus = StatusCode;

/**
 * Statuses a consumer may create a contract with (SPEC §7); see {@link DEFAULT_CREATE_STATUS}.
 * @example
 * CONSUMER_CREATE_STATUSES; // [100, 120]
 */
export const CONSUMER_CREATE_STATUSES = [100, 120] as const satisfies readonly ContractStatus[];
/**
 * The status of a contract created without one: create proposal.
 * @example
 * body.status ?? DEFAULT_CREATE_STATUS;
 */
export const DEFAULT_CREATE_STATUS = 120 satisfies (typeof CONSUMER_CREATE_STATUSES)[number];

/**
 * The create statuses in words: `100 (draft) or 120 (create proposal, the default)`.
 * @example
 * `Creates a contract with status ${describeCreateStatuses()}.`;
 */
export const describeCreateStatuses = () =>
  CONSUMER_CREATE_STATUSES.map(
    (s) => `${s} (${CONTRACT_STATUSES[s].label.toLowerCase()}${s === DEFAULT_CREATE_STATUS ? ', the default' : ''})`,
  ).join(' or ');

/**
 * A status a consumer may move a contract to (from some status): `120 | 190 | 230`.
 * @example
 * const withdraw: ConsumerTargetStatus = 190;
 */
export type ConsumerTargetStatus = {
  [S in StatusCode]: (typeof CONTRACT_STATUSES)[S]['consumerMayMoveTo'][number];
}[StatusCode];

/**
 * Every status a consumer may ever move a contract to.
 * @example
 * CONSUMER_TARGET_STATUSES; // [120, 190, 230]
 */
export const CONSUMER_TARGET_STATUSES = [
  ...new Set(Object.values(CONTRACT_STATUSES).flatMap((s: StatusDef) => s.consumerMayMoveTo)),
].sort((a, b) => a - b) as ConsumerTargetStatus[];

/**
 * Consumers may change a contract's data fields only below this status.
 * @example
 * const frozen = contract.status >= DATA_FROZEN_FROM;
 */
export const DATA_FROZEN_FROM = 200;

type WithStep = {
  [S in StatusCode]: (typeof CONTRACT_STATUSES)[S] extends { providerStep: object } ? S : never;
}[StatusCode];

/**
 * The provider's steps of the lifecycle, by the status they start from (from the table's
 * `providerStep`): 120 → 130 with a proposal (110 when data are missing), 230 → 320 with a policy.
 * @example
 * PROVIDER_STEPS[120].to; // 130
 */
export const PROVIDER_STEPS = Object.fromEntries(
  CONTRACT_STATUS_CODES.flatMap((s) => {
    const step = (CONTRACT_STATUSES[s] as StatusDef).providerStep;
    return step ? [[s, step]] : [];
  }),
) as { readonly [S in WithStep]: (typeof CONTRACT_STATUSES)[S]['providerStep'] };

/**
 * The provider's step for a contract at this status; `undefined` when the provider is not awaited.
 * @example
 * providerStepFor(230)?.document; // 'policy'
 */
export function providerStepFor(status: number): ProviderStep | undefined {
  return isContractStatus(status) ? (CONTRACT_STATUSES[status] as StatusDef).providerStep : undefined;
}

/**
 * Whether a contract at `status` has gone through the provider's step that starts at `from`:
 * it is at the step's target, or in a family after the one the step starts in. A contract
 * at 320 has had its proposal (120 → 130) and its policy (230 → 320); one at 130 only its proposal.
 * @example
 * hasPassedProviderStep(330, 230); // true: suspended after the policy was issued
 */
export function hasPassedProviderStep(status: ContractStatus, from: keyof typeof PROVIDER_STEPS): boolean {
  const family = (s: ContractStatus) => STATUS_FAMILIES.indexOf(statusDef(s).family);
  return status === PROVIDER_STEPS[from].to || family(status) > family(from);
}

/**
 * The status a consumer asks for a proposal with (the provider's proposal step starts here).
 * @example
 * if (contract.status === PROPOSAL_REQUESTED) scheduleProposal(contract);
 */
export const PROPOSAL_REQUESTED = 120 satisfies WithStep;
/**
 * The status a consumer places the order with (the provider's policy step starts here).
 * @example
 * PROVIDER_STEPS[ORDER_PLACED].assignsContractNumber; // true
 */
export const ORDER_PLACED = 230 satisfies WithStep;

/**
 * The status the provider answers a proposal request with when data are missing.
 * @example
 * PROVIDER_STEPS[PROPOSAL_REQUESTED].whenDataMissing === WAIT_FOR_CLIENT_DATA; // true
 */
export const WAIT_FOR_CLIENT_DATA = CONTRACT_STATUSES[PROPOSAL_REQUESTED].providerStep.whenDataMissing;

/**
 * The `statusNote` of a proposal request that lacks data (SPEC §8: 110 names what is missing).
 * @example
 * missingForProposalNote(['premium', 'startDate']); // 'Missing for a proposal: premium, startDate.'
 */
export const missingForProposalNote = (missing: readonly string[]) => `Missing for a proposal: ${missing.join(', ')}.`;

/**
 * Whether a value is a status code of the table.
 * @example
 * isContractStatus(135); // false
 */
export function isContractStatus(value: unknown): value is ContractStatus {
  return typeof value === 'number' && Object.hasOwn(CONTRACT_STATUSES, value);
}

/**
 * The table row of a status.
 * @example
 * statusDef(320).label; // 'Active'
 */
export function statusDef(status: ContractStatus): StatusDef {
  return CONTRACT_STATUSES[status];
}

/**
 * Statuses the provider's systems wait on (120: proposal requested, 230: order placed).
 * @example
 * AWAITING_PROVIDER_STATUSES; // [120, 230]
 */
export const AWAITING_PROVIDER_STATUSES = Object.keys(PROVIDER_STEPS).map(Number) as WithStep[];

/**
 * The outcome of {@link checkConsumerTransition}.
 * @example
 * const t: ConsumerTransition = checkConsumerTransition(130, 230); // { ok: true, changed: true }
 */
export type ConsumerTransition =
  | { ok: true; changed: boolean }
  | { ok: false; reason: 'provider-only'; allowed: readonly number[] }
  | { ok: false; reason: 'not-allowed'; allowed: readonly number[] };

/**
 * May the consumer move a contract from `from` to `to`? Sending the current status
 * again is not a transition (it changes nothing about the status).
 * @example
 * checkConsumerTransition(320, 190); // { ok: false, reason: 'not-allowed', allowed: [] }
 */
export function checkConsumerTransition(from: ContractStatus, to: ContractStatus): ConsumerTransition {
  const allowed = statusDef(from).consumerMayMoveTo;
  if (from === to) return { ok: true, changed: false };
  if (statusDef(to).setBy === 'provider') return { ok: false, reason: 'provider-only', allowed };
  if (!allowed.includes(to)) return { ok: false, reason: 'not-allowed', allowed };
  return { ok: true, changed: true };
}
