import type { MigrationInterface, QueryRunner } from 'typeorm';
import { Columns } from '../portable.js';

/**
 * The keyed audit chain (format audit-v2): each event records the id of the key that sealed it
 * (NULL for the audit-v1 events written before), and the head records the key of the last
 * event, so that the first append under a new key records the change in the same transaction.
 */
export class AuditKeyedChain1764020000000 implements MigrationInterface {
  name = 'AuditKeyedChain1764020000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = new Columns(queryRunner);
    await queryRunner.addColumn('audit_event', c.column(c.string('key_id', 32, { nullable: true })));
    await queryRunner.addColumn('audit_chain_head', c.column(c.string('last_key_id', 32, { nullable: true })));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('audit_chain_head', 'last_key_id');
    await queryRunner.dropColumn('audit_event', 'key_id');
  }
}
