import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import type { DeliveryState, NotificationType, WebhookFormat } from './notification.types.js';

/** One notification to one webhook, with its delivery state (migration 1764080000000-notifications). */
@Entity('notification_outbox')
export class NotificationOutboxRow {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'event_id', type: 'varchar', length: 36 })
  eventId: string;

  @Column({ type: 'varchar', length: 64 })
  type: NotificationType;

  @Column({ name: 'dedupe_key', type: 'varchar', length: 191, nullable: true })
  dedupeKey: string | null;

  @Column({ name: 'target_id', type: 'varchar', length: 16 })
  targetId: string;

  @Column({ name: 'target_label', type: 'varchar', length: 255 })
  targetLabel: string;

  @Column({ type: 'varchar', length: 8 })
  format: WebhookFormat;

  /** The event as JSON (NotificationEvent): the body of a json webhook, the source of a chat message. */
  @Column({ type: 'text' })
  body: string;

  @Column({ type: 'varchar', length: 16 })
  status: DeliveryState;

  @Column({ type: 'integer' })
  attempts: number;

  @Column({ name: 'next_attempt_at', type: 'datetime', precision: 3 })
  nextAttemptAt: Date;

  @Column({ type: 'varchar', length: 36, nullable: true })
  claim: string | null;

  @Column({ name: 'claimed_until', type: 'datetime', precision: 3, nullable: true })
  claimedUntil: Date | null;

  @Column({ name: 'last_attempt_at', type: 'datetime', precision: 3, nullable: true })
  lastAttemptAt: Date | null;

  @Column({ name: 'last_status', type: 'integer', nullable: true })
  lastStatus: number | null;

  @Column({ name: 'last_error', type: 'varchar', length: 500, nullable: true })
  lastError: string | null;

  @Column({ name: 'delivered_at', type: 'datetime', precision: 3, nullable: true })
  deliveredAt: Date | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;
}

/** A person currently quarantined, known to have been notified (migration 1764080000000-notifications). */
@Entity('notification_quarantine')
export class QuarantineNotice {
  @PrimaryColumn({ name: 'person_key', type: 'varchar', length: 191 })
  personKey: string;

  @Column({ name: 'run_id', type: 'integer' })
  runId: number;

  @Column({ type: 'datetime', precision: 3 })
  since: Date;
}
