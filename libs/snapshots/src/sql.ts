import { setImmediate as nextTurn } from 'node:timers/promises';
import type { EntityManager } from 'typeorm';

/** SQLite's limit is 32,766 bound parameters per statement; MySQL's is 65,535. */
const MAX_PARAMS = 30_000;
/**
 * Bound parameters per INSERT: SQLite runs a statement synchronously on the event loop, so a
 * statement is kept to a few milliseconds (about 250 rows of a user version) rather than the
 * 30,000 parameters the databases would accept.
 */
const PARAMS_PER_INSERT = 6_000;

/**
 * Lets the event loop run (timers, sockets, other requests) between two statements of a long
 * sequence. Only where it is safe and useful: better-sqlite3 answers synchronously, so without
 * this a run of statements never gives the loop a turn; but inside an open transaction on its
 * one shared connection, another request's statements would join that transaction, so there
 * the sequence keeps the loop (MySQL's queries are I/O: the loop runs while they wait anyway).
 */
export async function breathe(manager: EntityManager): Promise<void> {
  const sqlite = (manager.connection.driver as { databaseConnection?: { inTransaction?: unknown } }).databaseConnection;
  if (sqlite && sqlite.inTransaction === false) await nextTurn();
}

/** Multi-row INSERT in chunks; the same SQL on MySQL and SQLite (both accept backticks and `?`). */
export async function insertRows(manager: EntityManager, table: string, columns: readonly string[], rows: unknown[][]): Promise<void> {
  if (!rows.length) return;
  const perChunk = Math.max(1, Math.floor(Math.min(MAX_PARAMS, PARAMS_PER_INSERT) / columns.length));
  const head = `INSERT INTO \`${table}\` (${columns.map((c) => `\`${c}\``).join(', ')}) VALUES `;
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  for (let i = 0; i < rows.length; i += perChunk) {
    if (i) await breathe(manager);
    const chunk = rows.slice(i, i + perChunk);
    await manager.query(head + chunk.map(() => tuple).join(', '), chunk.flat());
  }
}

/** Runs `sql` with `IN (?)` filled by chunks of `ids`. */
export async function inChunks<T>(
  ids: readonly (number | string)[],
  size: number,
  run: (chunk: (number | string)[], placeholders: string) => Promise<T[]>,
  manager?: EntityManager,
): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += size) {
    if (i && manager) await breathe(manager);
    const chunk = ids.slice(i, i + size);
    const result = await run(chunk, chunk.map(() => '?').join(', '));
    // UPDATE/DELETE answer a driver-specific summary, not rows.
    if (Array.isArray(result)) for (const row of result) out.push(row);
  }
  return out;
}
