import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';
import { BridgeMetrics } from '#app/metrics';
import { NotificationOutbox } from './notification-outbox.repository.js';
import type { NotificationEvent, NotificationType } from './notification.types.js';
import { webhookTargets, type WebhookTarget } from './webhook-targets.js';

/** Called when this instance enqueued something (the worker delivers at once rather than at its next poll). */
export type EnqueueListener = () => void;

/**
 * Where every notification starts: `emit()` writes the event to the outbox, one row per webhook,
 * in one insert, and returns. Delivery happens in the background (DeliveryWorker), so a run that
 * emits is never delayed or failed by a webhook.
 */
@Injectable()
export class Notifier {
  readonly targets: readonly WebhookTarget[];
  private readonly listeners: EnqueueListener[] = [];

  constructor(
    private readonly outbox: NotificationOutbox,
    private readonly metrics: BridgeMetrics,
    @Inject(BRIDGE_CONFIG) private readonly config: BridgeConfig,
  ) {
    this.targets = webhookTargets(config.notify);
  }

  /** Whether any webhook is configured (otherwise nothing is enqueued, watched or delivered). */
  get enabled(): boolean {
    return this.targets.length > 0;
  }

  /** The base of the links in notifications (NOTIFY_LINK_BASE_URL), if any. */
  get linkBase(): string | undefined {
    return this.config.notify.linkBaseUrl;
  }

  onEnqueued(listener: EnqueueListener): void {
    this.listeners.push(listener);
  }

  /**
   * Enqueues an event for every webhook. With a `dedupeKey`, an event already enqueued under that
   * key (by any instance, at any time the outbox still remembers) is not enqueued again: null is
   * returned. Otherwise the event (its `id` is the receivers' idempotency key).
   */
  async emit<D extends object>(type: NotificationType, data: D, options: { dedupeKey?: string; occurredAt?: Date } = {}): Promise<NotificationEvent<D> | null> {
    if (!this.enabled) return null;
    const event: NotificationEvent<D> = { id: randomUUID(), type, occurredAt: (options.occurredAt ?? new Date()).toISOString(), data };
    const body = JSON.stringify(event);
    const now = new Date();
    const inserted = await this.outbox.enqueue(
      this.targets.map((target) => ({
        eventId: event.id,
        type,
        dedupeKey: options.dedupeKey ?? null,
        targetId: target.id,
        targetLabel: target.label,
        format: target.format,
        body,
        status: 'pending',
        attempts: 0,
        nextAttemptAt: now,
        claim: null,
        claimedUntil: null,
        lastAttemptAt: null,
        lastStatus: null,
        lastError: null,
        deliveredAt: null,
        createdAt: now,
      })),
    );
    if (!inserted) return null;
    this.metrics.notification(type, 'enqueued', this.targets.length);
    for (const listener of this.listeners) listener();
    return event;
  }
}
