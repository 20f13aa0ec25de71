import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { Columns } from '../portable.js';

/**
 * The notifications' durable outbox and what they remember (owner: libs/notifications).
 *
 * `notification_outbox`: one row per notification and webhook. An event enqueues its rows in one
 * insert; a delivery worker of any instance claims rows (`claim`, `claimed_until`) with one
 * conditional update, so that two instances never deliver a row twice, and a claim left by a dead
 * process runs out. `dedupe_key` makes an event happen once (an OMFLOW staleness episode);
 * `event_id` is the id receivers see (their idempotency key).
 *
 * `notification_quarantine`: the people currently quarantined, so that only a first quarantine
 * is notified, not every run while it lasts.
 */
export class Notifications1764080000000 implements MigrationInterface {
  name = 'Notifications1764080000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = new Columns(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'notification_outbox',
        columns: [
          c.id(),
          c.string('event_id', 36),
          c.string('type', 64),
          c.string('dedupe_key', 191, { nullable: true }),
          // sha256 of the webhook URL (its first 16 hex digits): the URL itself is a credential for chat tools.
          c.string('target_id', 16),
          c.string('target_label', 255),
          c.string('format', 8),
          c.text('body'),
          c.string('status', 16),
          c.int('attempts', { default: 0 }),
          c.datetime('next_attempt_at'),
          c.string('claim', 36, { nullable: true }),
          c.datetime('claimed_until', { nullable: true }),
          c.datetime('last_attempt_at', { nullable: true }),
          c.int('last_status', { nullable: true }),
          c.string('last_error', 500, { nullable: true }),
          c.datetime('delivered_at', { nullable: true }),
          c.datetime('created_at'),
        ],
      }),
    );
    await queryRunner.createIndices('notification_outbox', [
      new TableIndex({ name: 'ux_notification_outbox_event', columnNames: ['event_id', 'target_id'], isUnique: true }),
      new TableIndex({ name: 'ux_notification_outbox_dedupe', columnNames: ['dedupe_key', 'target_id'], isUnique: true }),
      new TableIndex({ name: 'ix_notification_outbox_due', columnNames: ['status', 'next_attempt_at'] }),
    ]);

    await queryRunner.createTable(
      new Table({
        name: 'notification_quarantine',
        columns: [c.string('person_key', 191, { primary: true }), c.int('run_id'), c.datetime('since')],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('notification_quarantine');
    await queryRunner.dropTable('notification_outbox');
  }
}
