import { Injectable } from '@nestjs/common';
import { AuditService } from '#app/audit';
import { AppError, ErrorCode } from '#app/common';
import { NotificationOutbox } from './notification-outbox.repository.js';
import type { DeliveryState, NotificationType } from './notification.types.js';
import { Notifier } from './notifier.service.js';

/** The admin API's side of the notifications: the list, and test notifications. */
@Injectable()
export class NotificationsService {
  constructor(
    private readonly outbox: NotificationOutbox,
    private readonly notifier: Notifier,
    private readonly audit: AuditService,
  ) {}

  list(query: { status?: DeliveryState; type?: NotificationType; offset: number; limit: number }) {
    return this.outbox.list(query);
  }

  /** Enqueues a `notification.test` event for every webhook (audited). */
  async sendTest(message: string | null, requestedBy: string): Promise<{ id: string; type: 'notification.test'; webhooks: string[] }> {
    if (!this.notifier.enabled) {
      throw new AppError(ErrorCode.Conflict, 'No webhook is configured: set NOTIFY_WEBHOOK_URLS (with NOTIFY_WEBHOOK_SECRET) or NOTIFY_CHAT_WEBHOOK_URLS.');
    }
    const event = await this.notifier.emit('notification.test', { message, requestedBy });
    const webhooks = this.notifier.targets.map((t) => t.label);
    await this.audit.record({ action: 'notification.test.sent', outcome: 'success', target: { type: 'notification', id: event!.id }, details: { webhooks } });
    return { id: event!.id, type: 'notification.test', webhooks };
  }
}
