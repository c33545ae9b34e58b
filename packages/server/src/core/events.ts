import { EventEmitter } from 'node:events';

export interface StatusChanged {
  contractId: string;
  ownerId: string;
  status: number;
  /** `null` when the contract was created with this status. */
  previousStatus: number | null;
}

/**
 * What the core tells the rest of this process after a commit: the delivery worker wakes
 * up for new deliveries, the demo simulator watches status changes. Other processes learn
 * of changes by polling the database.
 */
export class CoreEvents {
  private readonly emitter = new EventEmitter();

  deliveriesEnqueued(): void {
    this.emitter.emit('deliveries');
  }
  onDeliveriesEnqueued(listener: () => void): () => void {
    this.emitter.on('deliveries', listener);
    return () => this.emitter.off('deliveries', listener);
  }
  statusChanged(change: StatusChanged): void {
    this.emitter.emit('status', change);
  }
  onStatusChanged(listener: (change: StatusChanged) => void): () => void {
    this.emitter.on('status', listener);
    return () => this.emitter.off('status', listener);
  }
}
