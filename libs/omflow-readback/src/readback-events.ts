import { Injectable, Logger } from '@nestjs/common';
import type { ReconciliationRow } from './reconciliation.repository.js';

/** A comparison that ended, with the one that ended before it (null: the first). */
export interface Reconciled {
  result: ReconciliationRow;
  previous: ReconciliationRow | null;
}

export type ReadbackEventHandler = (event: Reconciled) => Promise<void>;

/**
 * What the read-back tells other libraries (the notifications send `omflow.drift`): a subscriber
 * registers when its module starts; it runs after the result is stored, and its failure is
 * logged, never the comparison's.
 */
@Injectable()
export class ReadbackEvents {
  private readonly logger = new Logger(ReadbackEvents.name);
  private readonly handlers: ReadbackEventHandler[] = [];

  onReconciled(handler: ReadbackEventHandler): void {
    this.handlers.push(handler);
  }

  async reconciled(event: Reconciled): Promise<void> {
    for (const handler of this.handlers) {
      await handler(event).catch((error: unknown) => this.logger.error({ err: error }, `A read-back subscriber failed for comparison ${event.result.id}`));
    }
  }
}
