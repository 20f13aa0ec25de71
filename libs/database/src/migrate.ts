import type { DataSource, Migration } from 'typeorm';
import { isMysql } from './driver.js';

/** The MySQL named lock under which one instance at a time applies migrations. */
export const MIGRATION_LOCK = 'omflow_hr_bridge_migrations';
const LOCK_WAIT_SECONDS = 120;

/**
 * Applies the pending migrations. On MySQL under a named lock
 * (`GET_LOCK`), so that instances starting at once on one database take turns: the first
 * applies them, the others find nothing left to do (without it, two instances raced to create
 * the same tables and one start failed). SQLite has one writer and one process per file.
 */
export async function runMigrationsLocked(dataSource: DataSource): Promise<Migration[]> {
  // The transaction mode of the DataSource (all pending migrations in one, by default), as TypeORM's migrationsRun did.
  if (!isMysql(dataSource.options)) return dataSource.runMigrations();
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    const [row] = (await runner.query('SELECT GET_LOCK(?, ?) AS got', [MIGRATION_LOCK, LOCK_WAIT_SECONDS])) as { got: number | string | null }[];
    if (Number(row?.got) !== 1)
      throw new Error(`Another instance has been applying migrations for over ${LOCK_WAIT_SECONDS} s (lock ${MIGRATION_LOCK}); not starting.`);
    try {
      return await dataSource.runMigrations();
    } finally {
      await runner.query('SELECT RELEASE_LOCK(?)', [MIGRATION_LOCK]);
    }
  } finally {
    await runner.release();
  }
}
