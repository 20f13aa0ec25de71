import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { createConnection } from 'mysql2/promise';
import type { DatabaseConfig } from '#app/database';

/**
 * Tables that change on purpose whatever the answer: the audit trail (every refusal is
 * audited), login failure counters (counting failures is their job) and the cached directory
 * token (fetched on first use).
 */
const VOLATILE_TABLES = new Set(['audit_event', 'audit_chain_head', 'auth_lockout', 'directory_token']);

/** "Last used" columns, renewed by reads and written off the request path. */
const VOLATILE_COLUMNS = new Set(['last_used_at', 'last_login', 'last_pull_at', 'last_pull_client', 'last_pull_snapshot_id']);

export interface Fingerprint {
  /** `rows:digest` of each table's content. */
  tables: Record<string, string>;
}

type Row = Record<string, unknown>;

/** A read-only connection of its own to the bridge's database, beside the bridge process. */
export interface StateReader {
  fingerprint(): Promise<Fingerprint>;
  close(): Promise<void>;
}

export async function stateReader(database: DatabaseConfig): Promise<StateReader> {
  if (database.url) {
    const conn = await createConnection({ uri: database.url });
    const query = async (sql: string) => (await conn.query(sql))[0] as Row[];
    // One round trip per fingerprint: a count and two order-free checksums of the rows of each table.
    const columns = await query(
      'SELECT table_name AS t, column_name AS c FROM information_schema.columns WHERE table_schema = DATABASE() ORDER BY table_name, ordinal_position',
    );
    const byTable = new Map<string, string[]>();
    for (const { t, c } of columns) {
      if (VOLATILE_TABLES.has(String(t)) || VOLATILE_COLUMNS.has(String(c))) continue;
      byTable.set(String(t), [...(byTable.get(String(t)) ?? []), String(c)]);
    }
    const row = (cols: string[]) => `CONCAT_WS('|', ${cols.map((c) => `COALESCE(HEX(\`${c}\`), '-')`).join(', ')})`;
    const sql = [...byTable.entries()]
      .map(
        ([table, cols]) =>
          `SELECT '${table}' AS t, COUNT(*) AS n, COALESCE(BIT_XOR(CRC32(${row(cols)})), 0) AS x, COALESCE(SUM(CRC32(${row(cols)})), 0) AS y FROM \`${table}\``,
      )
      .join(' UNION ALL ');
    return {
      fingerprint: async () => ({ tables: Object.fromEntries((await query(sql)).map((r) => [String(r.t), `${String(r.n)}:${String(r.x)}:${String(r.y)}`])) }),
      close: () => conn.end(),
    };
  }
  // WAL (the bridge's journal mode) lets this reader in while the bridge writes.
  const sqlite = new Database(database.sqlitePath, { readonly: true, timeout: 10_000 });
  sqlite.defaultSafeIntegers(true);
  const query = (sql: string) => Promise.resolve(sqlite.prepare(sql).all() as Row[]);
  return {
    fingerprint: async () =>
      digest(
        (await query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")).map((row) => String(row.name)),
        (name) => query(`SELECT * FROM "${name}"`),
      ),
    close: () => Promise.resolve(void sqlite.close()),
  };
}

/** A digest of every table but the volatile ones, rows in a stable order, volatile columns left out. */
async function digest(names: string[], rowsOf: (table: string) => Promise<Row[]>): Promise<Fingerprint> {
  const tables: Record<string, string> = {};
  for (const name of names.sort()) {
    if (VOLATILE_TABLES.has(name)) continue;
    const rows = await rowsOf(name);
    const lines = rows.map((row) =>
      JSON.stringify(
        Object.keys(row)
          .filter((column) => !VOLATILE_COLUMNS.has(column))
          .sort()
          .map((column) => [column, serialise(row[column])]),
      ),
    );
    const hash = createHash('sha256');
    for (const line of lines.sort()) hash.update(line).update('\n');
    tables[name] = `${rows.length}:${hash.digest('hex').slice(0, 16)}`;
  }
  return { tables };
}

function serialise(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return createHash('sha256').update(value).digest('hex');
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** The tables whose content differs, as `table: before → after`. */
export function differences(before: Fingerprint, after: Fingerprint): string[] {
  const names = new Set([...Object.keys(before.tables), ...Object.keys(after.tables)]);
  return [...names].filter((n) => before.tables[n] !== after.tables[n]).map((n) => `${n}: ${before.tables[n] ?? '-'} → ${after.tables[n] ?? '-'}`);
}
