import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ReadbackEvents, type Reconciled } from '#app/omflow-readback';
import { driftData, driftSignature } from './notification-payloads.js';
import { Notifier } from './notifier.service.js';

/**
 * `omflow.drift`: a comparison of OMFLOW with the snapshot it pulled found differences, or OMFLOW
 * never pulled. Notified when what it found changes (another outcome or other counts than the
 * comparison before), not at every comparison while the same drift lasts; the comparison's id is
 * the dedupe key, so that it is notified once across instances.
 */
@Injectable()
export class DriftNotificationsSubscriber implements OnModuleInit {
  constructor(
    private readonly events: ReadbackEvents,
    private readonly notifier: Notifier,
  ) {}

  onModuleInit(): void {
    if (!this.notifier.enabled) return;
    this.events.onReconciled((event) => this.reconciled(event));
  }

  async reconciled({ result, previous }: Reconciled): Promise<void> {
    const signature = driftSignature(result);
    if (!signature || signature === driftSignature(previous)) return;
    await this.notifier.emit('omflow.drift', driftData(result, this.notifier.linkBase), {
      dedupeKey: `omflow.drift:${result.id}`,
      occurredAt: result.finishedAt ?? new Date(),
    });
  }
}
