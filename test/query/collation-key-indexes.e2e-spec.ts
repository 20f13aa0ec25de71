import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDataSourceOptions, type DatabaseConfig } from '#app/database';
import { BULK_INDEXES, BULK_KEY_INDEXES, PERSON_KEY_INDEXES } from '#app/snapshots';
import { startBridge, TEST_ADMIN_TOKEN, type RunningBridge } from '../support/bridge.js';
import { testConfig } from '../support/config.js';
import { testDatabases } from '../support/databases.js';
import { people, writeOrganisation } from '../support/organisation.js';

/**
 * SQLite's first sync writes person's rows without their secondary indexes (those of their texts,
 * of their collation keys, of their memberships' codes) and builds them afterwards (issue 13:
 * filled row by row they cost several seconds per 100,000 people). The indexes are there after
 * the sync, answer the query API, and come back at start-up if a write stopped between dropping
 * and building them.
 */
const sqlite = testDatabases()[0];
const admin = { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
const file = join(mkdtempSync(join(tmpdir(), 'bridge-key-indexes-')), 'org.json');
writeOrganisation(file, people(BULK_KEY_INDEXES + 100));

async function start(database: DatabaseConfig): Promise<RunningBridge> {
  return startBridge(testConfig(database, {}, { BRIDGE_ADMIN_TOKEN: TEST_ADMIN_TOKEN, HR_SOURCE: 'file', HR_FILE: file }));
}

async function usernames(bridge: RunningBridge, conditions: unknown[]): Promise<string[]> {
  const created = await request(bridge.url)
    .post('/api/v1/clients')
    .set(admin)
    .send({ id: `tool-${Date.now()}`, name: 'tool', scopes: ['users:query'] });
  const code = await request(bridge.url).get('/accounts/api/security/get/').auth(String(created.body.id), String(created.body.secret));
  const res = await request(bridge.url)
    .post('/rest/accounts/api/user/list/')
    .send({ security: code.body.result.security, omflow_restapi: 1, search_columns: ['username'], search_conditions: conditions });
  expect(res.body.status, JSON.stringify(res.body)).toBe(200);
  return (res.body.result as { username: string }[]).map((r) => r.username);
}

/** sqlite_master's indexes and tables, in the order they were created (rowid). */
async function schemaOrder(database: DatabaseConfig): Promise<string[]> {
  const ds = await new DataSource(buildDataSourceOptions(database)).initialize();
  try {
    return (await ds.query<{ name: string }[]>("SELECT name FROM sqlite_master WHERE type IN ('table', 'index') ORDER BY rowid")).map((r) => r.name);
  } finally {
    await ds.destroy();
  }
}

describe('person key indexes on SQLite', () => {
  afterAll(() => sqlite.dropAll());

  it('builds them after a first sync of many people, uses them, and builds missing ones at start-up', async () => {
    const database = await sqlite.create();
    let bridge = await start(database);
    const before = await schemaOrder(database);
    const lastTable = before.filter((n) => !n.startsWith('ix_') && !n.startsWith('sqlite_')).at(-1)!;
    expect((await request(bridge.url).post('/api/v1/sync/runs?wait=true').set(admin).send({})).body.status).toBe('published');
    await bridge.close();

    // Dropped and built again: created after every table of the schema.
    const after = await schemaOrder(database);
    const names = PERSON_KEY_INDEXES.map((i) => i.name);
    const all = BULK_INDEXES.map((i) => i.name);
    expect(all).toEqual(expect.arrayContaining([...names, 'ix_person_username', 'ix_person_state', 'ix_person_group_group_no']));
    for (const name of all) expect(after.indexOf(name), name).toBeGreaterThan(after.indexOf(lastTable));
    expect(after.filter((n) => all.includes(n))).toHaveLength(all.length);
    // Built as their migrations made them: the same columns (and so the columns' NOCASE collation).
    const indexed = await new DataSource(buildDataSourceOptions(database)).initialize();
    for (const index of BULK_INDEXES) {
      const columns = await indexed.query<{ name: string }[]>(`SELECT name FROM pragma_index_info('${index.name}')`);
      expect(columns.map((c) => c.name)).toEqual([index.column]);
    }
    await indexed.destroy();

    // A write that stopped between dropping and building them: they come back at start-up.
    const ds = await new DataSource(buildDataSourceOptions(database)).initialize();
    await ds.query(`DROP INDEX ${names[0]}`);
    await ds.query('DROP INDEX ix_person_group_group_no');
    await ds.destroy();
    bridge = await start(database);
    expect(await schemaOrder(database)).toEqual(expect.arrayContaining([names[0], 'ix_person_group_group_no']));
    const plan = await new DataSource(buildDataSourceOptions(database)).initialize();
    const detail = (await plan.query<{ detail: string }[]>('EXPLAIN QUERY PLAN SELECT id FROM person WHERE username_key = ?', ['x'])).map((r) => r.detail).join(' ');
    await plan.destroy();
    expect(detail).toContain(names[0]);

    // The query API answers through the keys as before.
    expect(await usernames(bridge, [{ column: 'username', condition: '=', value: 'USER7  ' }])).toEqual(['user7']);
    expect(await usernames(bridge, [{ column: 'username', condition: '=', value: 'user2000' }])).toEqual(['user2000']);
    await bridge.close();
  });
});
