import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { Columns } from '../portable.js';

/**
 * Login support for OMFLOW's /authenticate: argon2id password hashes (PHC strings, which carry
 * their own parameters) keyed by case-insensitive username, and failure counters / lockouts per
 * username and per source IP, kept in the database so that every instance sees them.
 */
export class AuthCredentials1763900000000 implements MigrationInterface {
  name = 'AuthCredentials1763900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = new Columns(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'credential',
        columns: [
          c.string('username', 191, { primary: true, ci: true }),
          c.string('hash', 255),
          c.bool('must_change', false),
          c.string('set_by', 64, { nullable: true }),
          c.datetime('created_at'),
          c.datetime('updated_at'),
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'auth_lockout',
        columns: [
          // 'user' or 'ip'
          c.string('kind', 8, { primary: true }),
          c.string('subject', 191, { primary: true, ci: true }),
          c.int('failures', { default: 0 }),
          // Epoch milliseconds, as sync_lock does: compared in SQL without date functions.
          c.bigint('window_started_at', { default: 0 }),
          c.bigint('locked_until', { default: 0 }),
          c.bigint('updated_at', { default: 0 }),
        ],
      }),
    );
    await queryRunner.createIndex('auth_lockout', new TableIndex({ name: 'ix_auth_lockout_locked_until', columnNames: ['locked_until'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('auth_lockout');
    await queryRunner.dropTable('credential');
  }
}
