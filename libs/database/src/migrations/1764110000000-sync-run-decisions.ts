import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { Columns } from '../portable.js';

/**
 * Per-change decisions and four-eyes approvals of held runs (owner: libs/snapshots).
 *
 * `sync_run.approvals_json`: the approvals a held run received (who, when, why, what they
 * decided), the first of two shown while the run waits for the second.
 *
 * `sync_override_token`: single-use emergency tokens that let one approval publish a run that
 * needs two; only a SHA-256 digest of the token is kept.
 */
export class SyncRunDecisions1764110000000 implements MigrationInterface {
  name = 'SyncRunDecisions1764110000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = new Columns(queryRunner);
    await queryRunner.addColumn('sync_run', c.column(c.text('approvals_json', { nullable: true })));
    await queryRunner.createTable(
      new Table({
        name: 'sync_override_token',
        columns: [
          c.id(),
          c.int('run_id'),
          c.string('token_hash', 64),
          c.string('created_by', 64, { nullable: true }),
          c.datetime('created_at'),
          c.datetime('expires_at'),
          c.datetime('used_at', { nullable: true }),
          c.string('used_by', 64, { nullable: true }),
        ],
      }),
    );
    await queryRunner.createIndices('sync_override_token', [
      new TableIndex({ name: 'ux_sync_override_token_hash', columnNames: ['token_hash'], isUnique: true }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('sync_override_token');
    await queryRunner.dropColumn('sync_run', 'approvals_json');
  }
}
