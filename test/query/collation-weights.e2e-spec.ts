import { createConnection, type Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OMFLOW_COLLATIONS, omflowCollation, type OmflowCollationName } from '#app/omflow-contract';
import { COLLATION_PROBES } from './collation-probes.js';

/**
 * The SQLite side's collation keys and LIKE folds against MariaDB itself: for every supported
 * collation, the probe texts (and random ones) must sort, compare equal and match LIKE '%…%'
 * exactly as the server decides. Skipped without TEST_MYSQL_URL.
 */
const url = process.env.TEST_MYSQL_URL;
const SERVER_NAME: Record<OmflowCollationName, string> = {
  utf8mb4_unicode_ci: 'utf8mb4_unicode_ci',
  utf8mb4_general_ci: 'utf8mb4_general_ci',
  utf8mb4_0900_ai_ci: 'utf8mb4_uca1400_nopad_ai_ci',
};

/** Random texts mixing the probes' characters with ASCII, spaces and tabs, so that neighbours differ in a few places. */
function randomTexts(count: number, seed: number): string[] {
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const alphabet = [...new Set([...COLLATION_PROBES.join(''), ...'aAbB12 .@\t-_zZ', 'ss', 'e\u0301'])];
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let text = '';
    const length = 1 + Math.floor(next() * 6);
    for (let k = 0; k < length; k++) text += alphabet[Math.floor(next() * alphabet.length)];
    out.push(text);
  }
  return out;
}

const sign = (n: number) => (n < 0 ? -1 : n > 0 ? 1 : 0);

describe.skipIf(!url).each(OMFLOW_COLLATIONS)('collation %s: SQLite keys agree with MariaDB', (name) => {
  let db: Connection;
  const collation = omflowCollation(name);
  const server = SERVER_NAME[name];
  const texts = [...new Set([...COLLATION_PROBES, ...randomTexts(300, 7)])];

  beforeAll(async () => {
    db = await createConnection({ uri: url, charset: 'utf8mb4' });
  });
  afterAll(async () => {
    await db?.end();
  });

  it('orders and equates as the server does', async () => {
    const pairs: [string, string][] = [];
    for (let i = 0; i < texts.length; i++) for (let j = i + 1; j < texts.length; j += 7) pairs.push([texts[i], texts[j]]);
    const mismatches: string[] = [];
    for (let i = 0; i < pairs.length; i += 400) {
      const chunk = pairs.slice(i, i + 400);
      const sql = chunk.map(() => `SELECT STRCMP(? COLLATE ${server}, ? COLLATE ${server}) AS c`).join(' UNION ALL ');
      const [rows] = await db.query<({ c: number } & import('mysql2').RowDataPacket)[]>(sql, chunk.flat());
      chunk.forEach(([a, b], k) => {
        const ours = sign(collation.key(a) < collation.key(b) ? -1 : collation.key(a) > collation.key(b) ? 1 : 0);
        if (ours !== Number(rows[k].c)) mismatches.push(`${JSON.stringify(a)} vs ${JSON.stringify(b)}: server ${rows[k].c}, ours ${ours}`);
      });
    }
    expect(mismatches.slice(0, 20)).toEqual([]);
  });

  it("matches LIKE '%…%' as the server does", async () => {
    const needles = [...new Set([...COLLATION_PROBES.flatMap((p) => [...p].slice(0, 3).join('')), 'ss', 'i', 'I', 'e', ' ', '\t', 'a b', '😀'])];
    const mismatches: string[] = [];
    for (const needle of needles) {
      const sql = texts.map(() => `SELECT (? COLLATE ${server}) LIKE CONCAT('%', ?, '%') AS m`).join(' UNION ALL ');
      const [rows] = await db.query<({ m: number } & import('mysql2').RowDataPacket)[]>(
        sql,
        texts.flatMap((t) => [t, needle.replace(/[\\%_]/g, (c) => `\\${c}`)]),
      );
      texts.forEach((t, k) => {
        const ours = collation.contains(t, needle) ? 1 : 0;
        if (ours !== Number(rows[k].m)) mismatches.push(`${JSON.stringify(t)} LIKE %${JSON.stringify(needle)}%: server ${rows[k].m}, ours ${ours}`);
      });
    }
    expect(mismatches.slice(0, 20)).toEqual([]);
  });
});
