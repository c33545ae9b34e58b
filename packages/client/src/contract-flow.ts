import type { FinumClient } from './client.js';
import { PROVIDER_STEPS } from './generated/spec-data.js';
import type { CallOptions } from './transport.js';
import type { CallbackEvent, ClientCreate, Contract, ContractCreate, FileRecord } from './types.js';

/**
 * Where callbacks meet the flows waiting for them: your callback endpoint verifies each
 * callback and `deliver`s its event; a flow waiting on that contract wakes up and fetches it.
 *
 * @example
 * const hub = createCallbackHub();
 * app.post('/finum-callback', (req, res) => {
 *   hub.deliver(verifyCallback(req.rawBody, req.headers, secret).event);
 *   res.sendStatus(204);
 * });
 */
export interface CallbackHub {
  deliver(event: Pick<CallbackEvent, 'contractId'>): void;
  /** Resolves at the next event for `contractId` (or at once for one delivered and not yet taken). */
  next(contractId: string, signal: AbortSignal): Promise<void>;
}

/**
 * A {@link CallbackHub} in memory (one process: the callback endpoint and the flows share it).
 *
 * @example
 * const hub = createCallbackHub();
 * await runContractFlow(finum, { ...input, callbacks: hub });
 */
export function createCallbackHub(): CallbackHub {
  const pending = new Set<string>();
  const waiters = new Map<string, Set<() => void>>();
  return {
    deliver({ contractId }) {
      const waiting = waiters.get(contractId);
      if (!waiting?.size) {
        // Bounded: a notification is only a hint to fetch again, so old ones may be dropped.
        if (pending.size >= 10_000) pending.delete(pending.values().next().value!);
        pending.add(contractId);
        return;
      }
      for (const wake of waiting) wake();
    },
    next(contractId, signal) {
      if (pending.delete(contractId)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const set = waiters.get(contractId) ?? new Set();
        waiters.set(contractId, set);
        const done = () => {
          set.delete(wake);
          if (set.size === 0) waiters.delete(contractId);
          signal.removeEventListener('abort', aborted);
        };
        const wake = () => {
          done();
          resolve();
        };
        const aborted = () => {
          done();
          reject(signal.reason);
        };
        set.add(wake);
        signal.addEventListener('abort', aborted, { once: true });
      });
    },
  };
}

/**
 * What {@link runContractFlow} needs: your flow id, the customer, the contract's data and how
 * to ask the customer about the proposal; callbacks and timings are optional.
 *
 * @example
 * const input: ContractFlowInput = {
 *   flowId: 'deal-4711',
 *   client: { type: 'person', firstName: 'Eva', lastName: 'Lindner', externalId: 'CRM-77' },
 *   contract: { productId: 'p-liability-01', startDate: '2027-01-01', premium: '9.90', currency: 'EUR' },
 *   confirmOrder: async (proposal) => askCustomer(proposal.bytes),
 *   pollIntervalMs: 60_000,
 * };
 * const outcome = await runContractFlow(finum, input);
 */
export interface ContractFlowInput extends Pick<CallOptions, 'signal'> {
  /**
   * Your id for this flow (e.g. your deal id): the flow's idempotency keys derive from it, so
   * running it again after a crash continues where it stopped instead of creating twice.
   */
  flowId: string;
  /** The customer, with your own id for them as `externalId` (looked up first). */
  client: ClientCreate & { externalId: string };
  /** The contract's data (the flow sets `holderId`, `status` and `callbackUrl`). */
  contract: Omit<ContractCreate, 'holderId' | 'status' | 'callbackUrl'>;
  /** Where the provider calls back at status changes; without it the flow polls only. */
  callbackUrl?: string;
  /** Wakes the flow when a callback for its contract arrives (see {@link createCallbackHub}). */
  callbacks?: CallbackHub;
  /**
   * The customer's decision on the proposal (SPEC: ask them before ordering). `true` orders
   * (status 230); `false` ends the flow with outcome `proposal-available`.
   */
  confirmOrder(proposal: Proposal): boolean | Promise<boolean>;
  /** Poll this often while waiting, ms (default 30000; with callbacks a safety net). */
  pollIntervalMs?: number;
  /** Longest wait for each provider step (130, then 320), ms (default 24 h). */
  stepTimeoutMs?: number;
}

/**
 * The provider's proposal (status 130) as {@link ContractFlowInput.confirmOrder} receives it:
 * the contract, the proposal's file record and its checked bytes.
 *
 * @example
 * const confirmOrder = async ({ contract, file, bytes }: Proposal) => {
 *   await mailCustomer(contract.holderId, { name: `proposal-${contract.id}.pdf`, type: file.mimeType, bytes });
 *   return false; // ask first: run the flow again with the same flowId once they confirm
 * };
 */
export interface Proposal {
  contract: Contract;
  file: FileRecord;
  /** The proposal document's bytes (sha256 checked). */
  bytes: Uint8Array;
}

/**
 * How a contract flow ended.
 *
 * @example
 * const outcome: ContractFlowOutcome = await runContractFlow(finum, input);
 * switch (outcome.kind) {
 *   case 'active': console.log(outcome.contract.contractNumber, outcome.documents.length); break;
 *   case 'needs-client-data': console.log('missing:', outcome.missingFields); break;
 *   case 'proposal-available': await offer(outcome.proposal); break;
 *   case 'timed-out': console.log(`still waiting for ${outcome.waitingFor}`); break;
 *   case 'ended': console.log('declined or withdrawn:', outcome.contract.status);
 * }
 */
export type ContractFlowOutcome =
  /** 320: the contract is active; `documents` are its files (policy, proposal…). */
  | { kind: 'active'; contract: Contract; documents: FileRecord[] }
  /** 110: the provider needs more data; `missingFields` names the product's required fields not given. */
  | { kind: 'needs-client-data'; contract: Contract; missingFields: string[]; statusNote: string | null }
  /** 130 and the customer did not (yet) confirm: run the flow again with the same `flowId` to continue. */
  | { kind: 'proposal-available'; contract: Contract; proposal: Proposal }
  /** 140, 190, 250 or an ended status: the provider declined, or the proposal was withdrawn. */
  | { kind: 'ended'; contract: Contract }
  /** The provider did not move within `stepTimeoutMs`; run again with the same `flowId` to keep waiting. */
  | { kind: 'timed-out'; contract: Contract; waitingFor: 130 | 320 };

/**
 * Statuses in which the provider is working on the contract: those with a provider step in
 * the spec's status table (120, 230), and 240 (application under review), the provider's
 * own intermediate status on the way from 230 to 320.
 */
const PROVIDER_WORKING = new Set<number>([...Object.keys(PROVIDER_STEPS).map(Number), 240]);

/**
 * The "creating new contracts" flow of the public description in one call: find or create
 * the client by `externalId`, create the contract with 120 (and a callback), wait for the
 * proposal (130), download it, ask `confirmOrder`, order with 230, wait for 320.
 * Every step is safe to repeat: call it again with the same `flowId` after a crash.
 *
 * @example
 * const outcome = await runContractFlow(finum, {
 *   flowId: 'deal-4711',
 *   client: { type: 'person', firstName: 'Eva', lastName: 'Lindner', externalId: 'CRM-77' },
 *   contract: { productId: 'p-liability-01', startDate: '2027-01-01', premium: '9.90', currency: 'EUR' },
 *   callbackUrl: 'https://broker.example/finum-callback', callbacks: hub,
 *   confirmOrder: async ({ bytes }) => askCustomer(bytes),
 * });
 * if (outcome.kind === 'needs-client-data') console.log('missing:', outcome.missingFields);
 */
export async function runContractFlow(finum: FinumClient, input: ContractFlowInput): Promise<ContractFlowOutcome> {
  const { signal } = input;
  const call = signal ? { signal } : {};
  const found = await finum.clients.list({ externalId: input.client.externalId }, call);
  const holder =
    found.records.find((c) => !c.deleted) ??
    (await finum.clients.create(input.client, { ...call, idempotencyKey: `${input.flowId}:client` }));
  // A repeat replays the first answer (same id): fetch the contract as it is now.
  const created = await finum.contracts.create(
    {
      ...input.contract,
      holderId: holder.id,
      status: 120,
      ...(input.callbackUrl ? { callbackUrl: input.callbackUrl } : {}),
    },
    { ...call, idempotencyKey: `${input.flowId}:contract` },
  );
  let contract = await current(finum, created.id, call);

  for (;;) {
    if (PROVIDER_WORKING.has(contract.status)) {
      const waitingFor = contract.status === 120 ? 130 : 320;
      const waited = await waitWhileProviderWorks(finum, contract, input);
      if (!waited) return { kind: 'timed-out', contract: await current(finum, contract.id, call), waitingFor };
      contract = waited;
      continue;
    }
    switch (contract.status) {
      case 110: {
        const product = (await finum.products.list({ ids: [contract.productId] }, call)).records[0];
        const fields: Readonly<Record<string, unknown>> = contract;
        const missingFields = (product?.requiredFields ?? []).filter((field) => fields[field] == null);
        return { kind: 'needs-client-data', contract, missingFields, statusNote: contract.statusNote };
      }
      case 130: {
        const proposal = await downloadProposal(finum, contract, call);
        if (!(await input.confirmOrder(proposal))) return { kind: 'proposal-available', contract, proposal };
        contract = await finum.contracts.update(
          { id: contract.id, status: 230, ...(input.callbackUrl ? { callbackUrl: input.callbackUrl } : {}) },
          call,
        );
        continue;
      }
      case 320: {
        const documents = contract.fileIdList.length
          ? (await finum.files.list({ ids: contract.fileIdList }, call)).records
          : [];
        return { kind: 'active', contract, documents };
      }
      default:
        return { kind: 'ended', contract };
    }
  }
}

async function current(finum: FinumClient, id: string, call: CallOptions): Promise<Contract> {
  const contract = (await finum.contracts.list({ ids: [id] }, call)).records[0];
  if (!contract) throw new Error(`contract ${id} is not visible (any more)`);
  return contract;
}

async function downloadProposal(finum: FinumClient, contract: Contract, call: CallOptions): Promise<Proposal> {
  const fileId = contract.proposalFileId;
  if (!fileId) throw new Error(`contract ${contract.id} is at 130 without a proposalFileId`);
  const file = (await finum.files.list({ ids: [fileId] }, call)).records[0];
  if (!file) throw new Error(`the proposal file ${fileId} of contract ${contract.id} is not visible`);
  const download = await finum.files.download(fileId, { ...call, sha256: file.sha256 });
  return { contract, file, bytes: await download.bytes() };
}

/** Waits (callback or poll) until the provider moved the contract on; `undefined` at the step timeout. */
async function waitWhileProviderWorks(
  finum: FinumClient,
  contract: Contract,
  input: ContractFlowInput,
): Promise<Contract | undefined> {
  const deadline = Date.now() + (input.stepTimeoutMs ?? 24 * 3600_000);
  const pollMs = input.pollIntervalMs ?? 30_000;
  const call = input.signal ? { signal: input.signal } : {};
  let latest = contract;
  while (PROVIDER_WORKING.has(latest.status) && latest.status === contract.status) {
    const left = deadline - Date.now();
    if (left <= 0) return undefined;
    const round = new AbortController();
    const signal = input.signal ? AbortSignal.any([input.signal, round.signal]) : round.signal;
    const tick = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.min(pollMs, left));
      signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
    });
    try {
      await Promise.race([tick, ...(input.callbacks ? [input.callbacks.next(contract.id, signal)] : [])]);
    } finally {
      round.abort();
    }
    input.signal?.throwIfAborted();
    latest = await current(finum, contract.id, call);
  }
  return latest;
}
