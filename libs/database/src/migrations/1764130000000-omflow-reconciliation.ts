import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { Columns } from '../portable.js';

/**
 * The read-back of OMFLOW (owner: libs/omflow-readback).
 *
 * `omflow_reconciliation`: one row per comparison of what OMFLOW holds with the snapshot it last
 * pulled: while it runs (`outcome` running) and once it ended, with its counts and samples as
 * JSON, so that every instance answers the same last result.
 *
 * `omflow_reconciliation_lock`: one row taken with a conditional UPDATE and an expiry renewed
 * while a comparison runs, so that one runs at a time across instances.
 */
export class OmflowReconciliation1764130000000 implements MigrationInterface {
  name = 'OmflowReconciliation1764130000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = new Columns(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'omflow_reconciliation',
        columns: [
          c.id(),
          c.string('trigger', 16),
          c.string('outcome', 16),
          c.bool('in_sync', false),
          c.string('instance', 191),
          c.string('requested_by', 64, { nullable: true }),
          c.bigint('snapshot_id', { nullable: true }),
          c.bigint('published_snapshot_id', { nullable: true }),
          c.datetime('pulled_at', { nullable: true }),
          c.datetime('started_at'),
          c.datetime('finished_at', { nullable: true }),
          c.int('duration_ms', { nullable: true }),
          c.string('error_code', 32, { nullable: true }),
          c.string('error', 1000, { nullable: true }),
          c.text('result_json', { nullable: true }),
        ],
      }),
    );
    await queryRunner.createIndex('omflow_reconciliation', new TableIndex({ name: 'ix_omflow_reconciliation_outcome', columnNames: ['outcome', 'id'] }));

    await queryRunner.createTable(
      new Table({
        name: 'omflow_reconciliation_lock',
        columns: [c.string('name', 32, { primary: true }), c.string('holder', 191, { nullable: true }), c.bigint('expires_at', { default: 0 })],
      }),
    );
    await queryRunner.query("INSERT INTO omflow_reconciliation_lock (name, holder, expires_at) VALUES ('reconcile', NULL, 0)");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('omflow_reconciliation_lock');
    await queryRunner.dropTable('omflow_reconciliation');
  }
}
