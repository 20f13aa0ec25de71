import type { EntityManager } from 'typeorm';

/** SQLite's limit is 32,766 bound parameters per statement; MySQL's is 65,535. */
const MAX_PARAMS = 30_000;

/** Multi-row INSERT in chunks; the same SQL on MySQL and SQLite (both accept backticks and `?`). */
export async function insertRows(manager: EntityManager, table: string, columns: readonly string[], rows: unknown[][]): Promise<void> {
  if (!rows.length) return;
  const perChunk = Math.max(1, Math.floor(MAX_PARAMS / columns.length));
  const head = `INSERT INTO \`${table}\` (${columns.map((c) => `\`${c}\``).join(', ')}) VALUES `;
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  for (let i = 0; i < rows.length; i += perChunk) {
    const chunk = rows.slice(i, i + perChunk);
    await manager.query(head + chunk.map(() => tuple).join(', '), chunk.flat());
  }
}

/** Runs `sql` with `IN (?)` filled by chunks of `ids`. */
export async function inChunks<T>(
  ids: readonly (number | string)[],
  size: number,
  run: (chunk: (number | string)[], placeholders: string) => Promise<T[]>,
): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += size) {
    const chunk = ids.slice(i, i + size);
    const result = await run(chunk, chunk.map(() => '?').join(', '));
    // UPDATE/DELETE answer a driver-specific summary, not rows.
    if (Array.isArray(result)) out.push(...result);
  }
  return out;
}
