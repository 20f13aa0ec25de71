import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';
import { Columns } from '../portable.js';

/**
 * The directory's access token, shared by every bridge instance: WorkPlus keeps ONE token per
 * app and fetching a new one invalidates the old, so instances must not each fetch their own.
 */
export class DirectoryToken1763895000000 implements MigrationInterface {
  name = 'DirectoryToken1763895000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = new Columns(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'directory_token',
        columns: [
          c.string('name', 32, { primary: true }),
          c.string('access_token', 512, { nullable: true }),
          c.bigint('expires_at', { default: 0 }),
          c.bigint('issued_at', { default: 0 }),
          c.string('refresher', 64, { nullable: true }),
          c.bigint('refresh_until', { default: 0 }),
        ],
      }),
    );
    await queryRunner.query(
      "INSERT INTO directory_token (name, access_token, expires_at, issued_at, refresher, refresh_until) VALUES ('default', NULL, 0, 0, NULL, 0)",
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('directory_token');
  }
}
