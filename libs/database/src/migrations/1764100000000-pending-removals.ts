import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { Columns } from '../portable.js';

/**
 * The deletion grace window (issue 15 part 3; owner: libs/snapshots): one row per published
 * person missing from the directory whose removal from `/sync` waits (`pending`), whose window
 * has passed (`due`: the next publish drops them), or which an operator cancelled (`cancelled`:
 * kept published). A row goes when its person reappears or leaves the published snapshot.
 *
 * Keyed by the person's stable number (`person.id`), so that a login finds the person and their
 * pending removal in one statement (a primary-key join); `user_key` is how the runs and the admin
 * routes name them.
 */
export class PendingRemovals1764100000000 implements MigrationInterface {
  name = 'PendingRemovals1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = new Columns(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'pending_removal',
        columns: [
          c.column({ ...c.int('person_id'), isPrimary: true }),
          c.string('user_key', 191),
          c.string('username', 150, { ci: true }),
          c.string('status', 16),
          c.datetime('missing_since'),
          c.datetime('due_at'),
          c.int('run_id', { nullable: true }),
          c.string('decided_by', 64, { nullable: true }),
          c.datetime('decided_at', { nullable: true }),
          c.string('note', 2000, { nullable: true }),
        ],
      }),
    );
    await queryRunner.createIndices('pending_removal', [
      new TableIndex({ name: 'uq_pending_removal_user_key', columnNames: ['user_key'], isUnique: true }),
      new TableIndex({ name: 'ix_pending_removal_due', columnNames: ['status', 'due_at'] }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('pending_removal');
  }
}
