import type { MigrationInterface, QueryRunner } from 'typeorm';
import { isMysql } from '../driver.js';

/**
 * Two columns that close races of the login and query APIs:
 * - `auth_lockout.pending`: attempts that took their place under the lockout threshold and whose
 *   password is being checked. An attempt is reserved before the check, so parallel attempts
 *   cannot all pass a check made before any of them failed.
 * - `omflow_security_code.credential`: the version of the client credential a code was issued
 *   under; a code is honoured only while its client still holds that credential, so rotating or
 *   revoking the secret ends its codes on every instance at once. Codes issued before this
 *   migration carry none and are replaced at the next request (they live 5 minutes anyway).
 *
 * Plain ALTER TABLE rather than TypeORM's addColumn: on SQLite that rebuilds the table from
 * what TypeORM reads back of it, which drops the NOCASE collations of the existing columns.
 */
export class LoginReservations1764030000000 implements MigrationInterface {
  name = 'LoginReservations1764030000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const text = isMysql(queryRunner.connection.driver.options) ? ' CHARACTER SET utf8mb4 COLLATE utf8mb4_bin' : '';
    await queryRunner.query('ALTER TABLE auth_lockout ADD COLUMN pending integer NOT NULL DEFAULT 0');
    await queryRunner.query('DELETE FROM omflow_security_code');
    await queryRunner.query(`ALTER TABLE omflow_security_code ADD COLUMN credential varchar(64)${text} NOT NULL DEFAULT ''`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE omflow_security_code DROP COLUMN credential');
    await queryRunner.query('ALTER TABLE auth_lockout DROP COLUMN pending');
  }
}
