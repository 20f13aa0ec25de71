import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { Columns } from '../portable.js';

/**
 * The OMFLOW query API: security codes kept in the database (they survive restarts and work
 * across instances; one live code per client), and an index for ordering by display name.
 */
export class OmflowQuery1763910000000 implements MigrationInterface {
  name = 'OmflowQuery1763910000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = new Columns(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'omflow_security_code',
        columns: [
          c.string('code', 36, { primary: true }),
          c.string('client_id', 64),
          // Epoch milliseconds: compared with the (controllable) clock of the query API.
          c.bigint('issued_at'),
          c.bigint('last_used_at'),
        ],
      }),
    );
    await queryRunner.createIndex(
      'omflow_security_code',
      new TableIndex({ name: 'uq_omflow_security_code_client', columnNames: ['client_id'], isUnique: true }),
    );
    await queryRunner.createIndex('person', new TableIndex({ name: 'ix_person_nick_name', columnNames: ['nick_name'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('person', 'ix_person_nick_name');
    await queryRunner.dropTable('omflow_security_code');
  }
}
