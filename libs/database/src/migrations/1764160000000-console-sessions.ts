import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { Columns } from '../portable.js';

/**
 * The operator console's sessions (owner: libs/access). A row per signed-in person: the SHA-256
 * of the session cookie (never the cookie itself), the client that signed in and the credential
 * it held then (a rotated or revoked secret ends its sessions), the CSRF token bound to the
 * session, and when it was last used (the idle timeout runs from there). Kept in the database so
 * that every instance behind a load balancer knows every session.
 */
export class ConsoleSessions1764160000000 implements MigrationInterface {
  name = 'ConsoleSessions1764160000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = new Columns(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'console_session',
        columns: [
          c.string('id_digest', 64, { primary: true }),
          c.string('client_id', 64),
          c.string('credential', 64),
          c.string('csrf_token', 64),
          c.string('source_ip', 64, { nullable: true }),
          c.datetime('created_at'),
          c.datetime('last_seen_at'),
        ],
      }),
    );
    await queryRunner.createIndices('console_session', [new TableIndex({ name: 'ix_console_session_seen', columnNames: ['last_seen_at'] })]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('console_session');
  }
}
