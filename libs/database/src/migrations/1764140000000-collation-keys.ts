import type { MigrationInterface, QueryRunner } from 'typeorm';
import { isMysql } from '../driver.js';

/** The text columns of `person` and `user_version` the query API compares. */
const USER_TEXT = ['username', 'email', 'nick_name', 'ad_no', 'company', 'phone1', 'phone2', 'extension_no', 'gender', 'default_group'];
/** Indexed as their texts are (ix_person_<name>). */
const PERSON_INDEXED = ['username', 'email', 'ad_no', 'nick_name'];

/**
 * Collation keys on SQLite: beside each text column the OMFLOW query API compares, the key of
 * its value under OMFLOW's MySQL collation (OMFLOW_COLLATION), which SQLite compares bytewise to
 * answer as MySQL would (NOCASE folds ASCII only, and honours trailing spaces). `sync_state.
 * collation_keys` names the collation the stored keys follow; the rows this migration finds, and
 * every row after a change of OMFLOW_COLLATION, are back-filled at start-up (libs/snapshots,
 * CollationKeyFill), before the bridge answers. Nothing on MySQL/MariaDB, which compare with the
 * collation itself.
 *
 * Plain ALTER TABLE (see LoginReservations1764030000000: TypeORM's addColumn would rebuild the
 * tables without their NOCASE collations).
 */
export class CollationKeys1764140000000 implements MigrationInterface {
  name = 'CollationKeys1764140000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (isMysql(queryRunner.connection.driver.options)) return;
    for (const table of ['person', 'user_version']) {
      for (const column of USER_TEXT) await queryRunner.query(`ALTER TABLE ${table} ADD COLUMN ${column}_key text NULL`);
    }
    for (const column of PERSON_INDEXED) await queryRunner.query(`CREATE INDEX ix_person_${column}_key ON person (${column}_key)`);
    await queryRunner.query('ALTER TABLE department ADD COLUMN group_no_key text NULL');
    await queryRunner.query('ALTER TABLE department ADD COLUMN display_name_key text NULL');
    await queryRunner.query('CREATE INDEX ix_department_group_no_key ON department (group_no_key)');
    await queryRunner.query('CREATE INDEX ix_department_display_name_key ON department (display_name_key)');
    await queryRunner.query('ALTER TABLE group_version ADD COLUMN display_name_key text NULL');
    await queryRunner.query('ALTER TABLE sync_state ADD COLUMN collation_keys varchar(64) NULL');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (isMysql(queryRunner.connection.driver.options)) return;
    await queryRunner.query('ALTER TABLE sync_state DROP COLUMN collation_keys');
    await queryRunner.query('ALTER TABLE group_version DROP COLUMN display_name_key');
    await queryRunner.query('DROP INDEX ix_department_display_name_key');
    await queryRunner.query('DROP INDEX ix_department_group_no_key');
    await queryRunner.query('ALTER TABLE department DROP COLUMN display_name_key');
    await queryRunner.query('ALTER TABLE department DROP COLUMN group_no_key');
    for (const column of PERSON_INDEXED) await queryRunner.query(`DROP INDEX ix_person_${column}_key`);
    for (const table of ['user_version', 'person']) {
      for (const column of USER_TEXT) await queryRunner.query(`ALTER TABLE ${table} DROP COLUMN ${column}_key`);
    }
  }
}
