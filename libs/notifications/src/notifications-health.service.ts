import { Injectable } from '@nestjs/common';
import { ABANDONED_WINDOW_MS } from './delivery-worker.js';
import { NotificationOutbox } from './notification-outbox.repository.js';
import { Notifier } from './notifier.service.js';

/** The notifications' part of /health. */
export interface NotificationsStatus {
  /** Webhooks configured (0: notifications are off). */
  webhooks: number;
  /** Notifications with failed attempts that are still retried. */
  failing: number;
  /** Notifications abandoned within the last 24 hours. */
  abandoned: number;
  /** The latest failure among those: the webhook (format, position and origin only) and what went wrong. */
  lastError: { at: string; webhook: string; error: string } | null;
  /** What /health says about them, or null when all is well. */
  warning: string | null;
}

@Injectable()
export class NotificationsHealth {
  constructor(
    private readonly outbox: NotificationOutbox,
    private readonly notifier: Notifier,
  ) {}

  async status(now = Date.now()): Promise<NotificationsStatus> {
    const webhooks = this.notifier.targets.length;
    if (!webhooks) return { webhooks, failing: 0, abandoned: 0, lastError: null, warning: null };
    const health = await this.outbox.health(new Date(now - ABANDONED_WINDOW_MS));
    const lastError = health.last ? { at: health.last.at.toISOString(), webhook: health.last.target, error: health.last.error } : null;
    const warning =
      health.failing || health.abandoned
        ? `Notifications fail: ${health.failing} being retried, ${health.abandoned} abandoned in the last 24 h` +
          `${lastError ? `; last error ${lastError.at} from ${lastError.webhook}: ${lastError.error}` : ''}; see /api/v1/notifications.`
        : null;
    return { webhooks, failing: health.failing, abandoned: health.abandoned, lastError, warning };
  }
}
