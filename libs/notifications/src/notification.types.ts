/** The notifications the bridge sends (a closed set: also the `type` label of the metrics). */
export const NOTIFICATION_TYPES = [
  'sync.run.held',
  'sync.run.failed',
  'person.quarantined',
  'omflow.pull.stale',
  'omflow.pull.resumed',
  'sync.removals.due',
  'omflow.drift',
  'notification.test',
] as const;

export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** The JSON body every webhook receives (chat webhooks receive `{"text": ...}` rendered from it). */
export interface NotificationEvent<D = Record<string, unknown>> {
  /** A UUID, the same on every attempt and webhook: the receiver's idempotency key. */
  id: string;
  type: NotificationType;
  /** When what is notified happened (ISO 8601, UTC). */
  occurredAt: string;
  data: D;
}

/** How a webhook receives notifications: the signed JSON event, or a chat message. */
export type WebhookFormat = 'json' | 'chat';

export const DELIVERY_STATES = ['pending', 'delivering', 'delivered', 'abandoned'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];
