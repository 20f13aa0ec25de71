import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { Columns } from '../portable.js';

/** The hash of the (empty) chain before its first event. */
const GENESIS_HASH = '0'.repeat(64);

/**
 * The audit trail: append-only events chained by SHA-256, and the one-row chain head that
 * serialises appends across instances (locked with SELECT ... FOR UPDATE on MySQL) and keeps
 * the retention anchor (the last removed sequence and its hash).
 */
export class AuditTrail1763880400000 implements MigrationInterface {
  name = 'AuditTrail1763880400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = new Columns(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'audit_event',
        columns: [
          { ...c.bigint('seq'), isPrimary: true },
          c.datetime('occurred_at'),
          c.string('actor_kind', 16),
          c.string('actor_id', 128, { nullable: true }),
          c.string('action', 128),
          c.string('target_type', 64, { nullable: true }),
          c.string('target_id', 255, { nullable: true }),
          c.string('outcome', 16),
          c.string('request_id', 128, { nullable: true }),
          c.string('source_ip', 64, { nullable: true }),
          c.text('details'),
          c.string('prev_hash', 64),
          c.string('hash', 64),
        ],
      }),
    );
    await queryRunner.createIndex('audit_event', new TableIndex({ name: 'idx_audit_event_time', columnNames: ['occurred_at'] }));
    await queryRunner.createIndex('audit_event', new TableIndex({ name: 'idx_audit_event_action', columnNames: ['action'] }));
    await queryRunner.createIndex('audit_event', new TableIndex({ name: 'idx_audit_event_actor', columnNames: ['actor_kind', 'actor_id'] }));
    await queryRunner.createIndex('audit_event', new TableIndex({ name: 'idx_audit_event_target', columnNames: ['target_type', 'target_id'] }));

    await queryRunner.createTable(
      new Table({
        name: 'audit_chain_head',
        columns: [
          { ...c.int('id'), isPrimary: true },
          c.bigint('last_seq'),
          c.string('last_hash', 64),
          c.bigint('anchor_seq'),
          c.string('anchor_hash', 64),
          c.datetime('anchor_at', { nullable: true }),
        ],
      }),
    );
    await queryRunner.query('INSERT INTO audit_chain_head (id, last_seq, last_hash, anchor_seq, anchor_hash) VALUES (1, 0, ?, 0, ?)', [
      GENESIS_HASH,
      GENESIS_HASH,
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('audit_chain_head');
    await queryRunner.dropTable('audit_event');
  }
}
