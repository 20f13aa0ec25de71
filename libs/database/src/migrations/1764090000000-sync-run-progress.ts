import type { MigrationInterface, QueryRunner } from 'typeorm';
import { Columns } from '../portable.js';

/**
 * Where a sync run stands (phase, items done and expected, elapsed and estimated time left), as
 * JSON: written while it runs, so that every instance can answer it, and kept once it ended.
 * Runs recorded before have none (null).
 */
export class SyncRunProgress1764090000000 implements MigrationInterface {
  name = 'SyncRunProgress1764090000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = new Columns(queryRunner);
    await queryRunner.addColumn('sync_run', c.column(c.text('progress_json', { nullable: true })));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('sync_run', 'progress_json');
  }
}
