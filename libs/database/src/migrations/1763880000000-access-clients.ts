import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { Columns } from '../portable.js';

/** API clients: the credentials of OMFLOW, internal tools, operators and auditors. */
export class AccessClients1763880000000 implements MigrationInterface {
  name = 'AccessClients1763880000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = new Columns(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'api_client',
        columns: [
          c.string('id', 64, { primary: true }),
          c.string('name', 200),
          c.text('description', { nullable: true }),
          c.text('scopes'),
          c.text('organisations', { nullable: true }),
          c.string('secret_digest', 64),
          c.string('managed_by', 16),
          c.string('created_by', 64, { nullable: true }),
          c.datetime('created_at'),
          c.datetime('updated_at'),
          c.datetime('rotated_at', { nullable: true }),
          c.datetime('revoked_at', { nullable: true }),
          c.datetime('last_used_at', { nullable: true }),
        ],
      }),
    );
    await queryRunner.createIndex('api_client', new TableIndex({ name: 'uq_api_client_secret_digest', columnNames: ['secret_digest'], isUnique: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('api_client');
  }
}
