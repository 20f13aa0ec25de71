import type { MigrationInterface, QueryRunner } from 'typeorm';
import { Columns } from '../portable.js';

/**
 * Why a sync run failed, as a code an operator (or a test) can filter on: the source, the
 * deadline, a shutdown that cancelled it, a crash that interrupted it (found at the next start),
 * a lost lock, or an unexpected error. The message stays in `error`.
 */
export class SyncRunFailureReason1764040000000 implements MigrationInterface {
  name = 'SyncRunFailureReason1764040000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = new Columns(queryRunner);
    await queryRunner.addColumn('sync_run', c.column(c.string('failure_reason', 32, { nullable: true })));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('sync_run', 'failure_reason');
  }
}
