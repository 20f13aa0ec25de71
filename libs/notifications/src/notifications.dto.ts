import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { OffsetPageQueryDto } from '#app/common';
import type { NotificationOutboxRow } from './notification-outbox.entity.js';
import { DELIVERY_STATES, NOTIFICATION_TYPES, type DeliveryState, type NotificationType } from './notification.types.js';

export class ListNotificationsQueryDto extends OffsetPageQueryDto {
  @ApiProperty({ enum: DELIVERY_STATES, required: false, description: 'Only notifications in this delivery state.' })
  @IsOptional()
  @IsIn(DELIVERY_STATES)
  status?: DeliveryState;

  @ApiProperty({ enum: NOTIFICATION_TYPES, required: false, description: 'Only notifications of this type.' })
  @IsOptional()
  @IsIn(NOTIFICATION_TYPES)
  type?: NotificationType;
}

export class SendTestNotificationDto {
  /** A line of text carried in the test notification (e.g. who is testing what). */
  @IsOptional()
  @IsString()
  @MaxLength(500)
  message?: string;
}

/** One notification to one webhook, with its delivery state. */
export class NotificationDto {
  /** The event's id (the same for every webhook, and on every attempt): the receiver's idempotency key. */
  id: string;
  @ApiProperty({ enum: NOTIFICATION_TYPES })
  type: NotificationType;
  /** The webhook: its format, position in its list and origin (never its path or query). */
  webhook: string;
  @ApiProperty({ enum: ['json', 'chat'] })
  format: string;
  @ApiProperty({ enum: DELIVERY_STATES })
  status: DeliveryState;
  /** Attempts made so far. */
  attempts: number;
  createdAt: string;
  /** When the next attempt is due (pending notifications only). */
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  /** The HTTP status of the last attempt, when the webhook answered. */
  lastStatus: number | null;
  /** What went wrong at the last failed attempt. */
  lastError: string | null;
  deliveredAt: string | null;
  /** The event as JSON webhooks receive it: `{id, type, occurredAt, data}`. */
  @ApiProperty({ type: 'object', additionalProperties: true })
  event: Record<string, unknown>;
}

export class NotificationPageDto {
  items: NotificationDto[];
  total: number;
  offset: number;
  limit: number;
}

/** A test notification, enqueued for every webhook. */
export class TestNotificationSentDto {
  /** The event's id: find it in GET /api/v1/notifications, and at the receivers. */
  id: string;
  @ApiProperty({ enum: NOTIFICATION_TYPES })
  type: NotificationType;
  /** The webhooks it goes to (format, position and origin). */
  webhooks: string[];
}

export function toNotification(row: NotificationOutboxRow): NotificationDto {
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    id: row.eventId,
    type: row.type,
    webhook: row.targetLabel,
    format: row.format,
    status: row.status,
    attempts: row.attempts,
    createdAt: row.createdAt.toISOString(),
    nextAttemptAt: row.status === 'pending' ? iso(row.nextAttemptAt) : null,
    lastAttemptAt: iso(row.lastAttemptAt),
    lastStatus: row.lastStatus,
    lastError: row.lastError,
    deliveredAt: iso(row.deliveredAt),
    event: JSON.parse(row.body) as Record<string, unknown>,
  };
}
