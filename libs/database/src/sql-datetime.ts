/**
 * Timestamps as the bridge stores them: `YYYY-MM-DD HH:MM:SS.mmm` in UTC, what MySQL
 * DATETIME(3) (connection timezone 'Z') and TypeORM's SQLite datetime both hold. Raw queries
 * bind and read them through these two functions.
 */
export function toSqlDateTime(date: Date = new Date()): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

/** A stored timestamp as a Date: mysql2 answers Dates, better-sqlite3 text; null stays null. */
export function fromSqlDateTime(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  if (typeof value === 'number') return new Date(value);
  return typeof value === 'string' ? new Date(`${value.replace(' ', 'T')}Z`) : null;
}
