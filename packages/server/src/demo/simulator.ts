import {
  AWAITING_PROVIDER_STATUSES,
  missingForProposalNote,
  type ProviderStep,
  providerStepFor,
} from '@finum-sync/spec';
import type { FastifyBaseLogger } from 'fastify';
import { systemActor } from '../core/audit.js';
import type { CoreContext } from '../core/context.js';
import { auditStatusSet, changeStatusInTx, missingForProposal } from '../core/contracts.js';
import { attachFileInTx, auditFileAttached } from '../core/files.js';
import { commitWrite } from '../core/write.js';
import type { StoredRecord } from '../store/port.js';
import { DEMO_CONSUMER_ID } from './credentials.js';
import { renderPdf } from './pdf.js';

/** The demo provider simulator in the audit trail. */
const SIMULATOR = systemActor('demo');

/** The demo provider's note with each document its steps attach. */
const STEP_NOTES = {
  proposal: 'Proposal available (demo provider).',
  policy: 'Policy issued (demo provider).',
} as const satisfies Record<ProviderStep['document'], string>;

/**
 * The demo provider (SPEC §10): moves the demo consumer's contracts from 120 to 130 with
 * a proposal PDF, and from 230 to 320 with a contract number and a policy PDF, after
 * `DEMO_DELAY_MS`; a proposal whose product's required data are missing goes to 110. It
 * uses the provider operations of the back office, not shortcuts of its own.
 */
export class DemoSimulator {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private scan: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = true;

  constructor(
    private readonly ctx: CoreContext,
    private readonly options: { delayMs: number; log: FastifyBaseLogger; clock?: () => number },
  ) {}

  start(): void {
    this.stopped = false;
    this.unsubscribe = this.ctx.events.onStatusChanged((change) => {
      if (change.ownerId === DEMO_CONSUMER_ID && providerStepFor(change.status)) {
        this.schedule(change.contractId, this.options.delayMs);
      }
    });
    // Contracts waiting from before a restart, or written by another process.
    const rescan = () => {
      this.track(this.scanWaiting());
      this.scan = setTimeout(rescan, Math.max(5_000, this.options.delayMs));
      this.scan.unref();
    };
    rescan();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.scan) clearTimeout(this.scan);
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.inFlight]);
  }

  private track(work: Promise<void>) {
    const tracked = work
      .catch((error) => this.options.log.error({ err: error }, 'demo simulator failed'))
      .finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  private schedule(contractId: string, delayMs: number) {
    if (this.stopped || this.timers.has(contractId)) return;
    const timer = setTimeout(() => {
      this.timers.delete(contractId);
      this.track(this.advance(contractId));
    }, delayMs);
    timer.unref();
    this.timers.set(contractId, timer);
  }

  private async scanWaiting() {
    const now = this.options.clock?.() ?? Date.now();
    const waiting = await this.ctx.store.contractsByStatus(AWAITING_PROVIDER_STATUSES, {
      ownerId: DEMO_CONSUMER_ID,
    });
    for (const c of waiting) {
      const due = Date.parse(String(c.data.statusChangedAt)) + this.options.delayMs;
      this.schedule(c.id, Math.max(0, due - now));
    }
  }

  /** One provider step for a waiting contract; nothing when it moved on meanwhile. */
  private async advance(contractId: string): Promise<void> {
    const { store } = this.ctx;
    const seen = await store.visibleRecord('contract', DEMO_CONSUMER_ID, contractId);
    const step = providerStepFor(Number(seen?.data.status));
    if (!seen || seen.deleted || !step) return;
    const product = await store.visibleRecord('product', DEMO_CONSUMER_ID, String(seen.data.productId));
    const holder = await store.visibleRecord('client', DEMO_CONSUMER_ID, String(seen.data.holderId));
    const missing = step.whenDataMissing !== undefined ? missingForProposal(product, seen.data) : [];
    const contractNumber = step.assignsContractNumber
      ? `POL-${new Date().getUTCFullYear()}-${contractId.replace(/^c-/, '').slice(-8).toUpperCase()}`
      : undefined;
    const document = missing.length > 0 ? undefined : await this.render(seen, product, holder, contractNumber);
    const bytes = document ? await store.putBlob(document.bytes) : undefined;

    await commitWrite(this.ctx, async (tx, effects) => {
      const contract = await tx.getRecord('contract', contractId);
      // Changed by the consumer meanwhile: the next status change schedules us again.
      if (!contract || contract.version !== seen.version) return;
      if (step.whenDataMissing !== undefined && missing.length > 0) {
        const updated = await changeStatusInTx(tx, effects, contract, {
          status: step.whenDataMissing,
          statusNote: missingForProposalNote(missing),
        });
        await auditStatusSet(tx, SIMULATOR, contract, updated);
        return;
      }
      const attachOptions = { asProposal: step.document === 'proposal' };
      const { file, contract: withFile } = await attachFileInTx(
        tx,
        contract,
        { ...bytes!, name: document!.name, mimeType: 'application/pdf' },
        step.document,
        attachOptions,
      );
      await auditFileAttached(tx, SIMULATOR, contract, file, attachOptions);
      const updated = await changeStatusInTx(tx, effects, withFile!, {
        status: step.to,
        statusNote: STEP_NOTES[step.document],
        ...(contractNumber ? { contractNumber } : {}),
      });
      await auditStatusSet(tx, SIMULATOR, contract, updated);
    });
  }

  private async render(
    contract: StoredRecord,
    product: StoredRecord | undefined,
    holder: StoredRecord | undefined,
    contractNumber: string | undefined,
  ) {
    const d = contract.data;
    const h = holder?.data ?? {};
    const holderName =
      h.type === 'company' ? String(h.companyName) : [h.firstName, h.lastName].filter(Boolean).join(' ');
    const bytes = await renderPdf({
      title: contractNumber ? 'Polizze / Policy' : 'Antrag / Proposal',
      subtitle: `${String(product?.data.name ?? d.productId)} — ${contractNumber ?? `Vertrag ${contract.id}`}`,
      rows: [
        ['Vertrag / Contract', contract.id],
        ...(contractNumber ? [['Polizzennummer', contractNumber] as [string, string]] : []),
        ['Versicherungsnehmer', holderName || String(d.holderId)],
        ['Produkt', String(product?.data.name ?? d.productId)],
        ['Beginn / Start', String(d.startDate ?? '—')],
        ['Prämie / Premium', d.premium ? `${d.premium} ${d.currency ?? ''} ${d.paymentFrequency ?? ''}` : '—'],
        ['Versicherungssumme', d.sumInsured ? `${d.sumInsured} ${d.currency ?? ''}` : '—'],
        ['Externe Nr.', String(d.externalId ?? '—')],
      ],
      footer: 'Demo document generated by the finum-sync demo provider. Not a real insurance document.',
      date: new Date(),
    });
    return { bytes, name: `${contractNumber ? `Polizze ${contractNumber}` : `Antrag ${contract.id}`}.pdf` };
  }
}
