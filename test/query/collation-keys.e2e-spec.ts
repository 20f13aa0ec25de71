import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDataSourceOptions, type DatabaseConfig } from '#app/database';
import { startBridge, TEST_ADMIN_TOKEN, type RunningBridge } from '../support/bridge.js';
import { testConfig } from '../support/config.js';
import { testDatabases } from '../support/databases.js';
import { writeOrganisation, type TestPerson } from '../support/organisation.js';

/**
 * SQLite's collation keys over a database's life: rows published before migration 1764140000000
 * get their keys at the next start, and a change of OMFLOW_COLLATION re-keys every row at start-up.
 */
const PEOPLE: TestPerson[] = [
  { userId: 'p1', username: 'elodie', name: 'Élodie Straße', departments: ['rd'] },
  { userId: 'p2', username: 'ivan', name: 'Иван Петров', departments: ['sales'] },
  { userId: 'p3', username: 'pengbin', name: 'Peng Bin', departments: ['rd-web'] },
];
const sqlite = testDatabases()[0];
const admin = { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
const file = join(mkdtempSync(join(tmpdir(), 'bridge-collation-keys-')), 'org.json');
writeOrganisation(file, PEOPLE);

async function start(database: DatabaseConfig, env: NodeJS.ProcessEnv = {}): Promise<RunningBridge> {
  return startBridge(testConfig(database, {}, { BRIDGE_ADMIN_TOKEN: TEST_ADMIN_TOKEN, HR_SOURCE: 'file', HR_FILE: file, ...env }));
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

describe('collation keys on SQLite', () => {
  afterAll(() => sqlite.dropAll());

  it('back-fills the keys of rows published before the migration, and re-keys them when OMFLOW_COLLATION changes', async () => {
    const database = await sqlite.create();
    let bridge = await start(database);
    expect((await request(bridge.url).post('/api/v1/sync/runs?wait=true').set(admin).send({})).body.status).toBe('published');
    await bridge.close();

    // Back to the schema before the keys: the published rows have none.
    const ds = await new DataSource(buildDataSourceOptions(database)).initialize();
    const keysMigration = "SELECT name FROM schema_migrations WHERE name = 'CollationKeys1764140000000'";
    while ((await ds.query<unknown[]>(keysMigration)).length) await ds.undoLastMigration({ transaction: 'each' });
    expect((await ds.query<{ name: string }[]>('PRAGMA table_info(person)')).map((c) => c.name)).not.toContain('username_key');
    await ds.destroy();

    bridge = await start(database);
    expect(await usernames(bridge, [{ column: 'nick_name', condition: 'contains', value: 'иван' }])).toEqual(['ivan']);
    expect(await usernames(bridge, [{ column: 'username', condition: '=', value: 'PENGBIN  ' }])).toEqual(['pengbin']);
    expect(await usernames(bridge, [{ column: 'nick_name', condition: '>', value: 'ÉLODIE Z' }])).toEqual(['ivan', 'pengbin']);
    // utf8mb4_unicode_ci: ß is "ss" for =, and not "s".
    expect(await usernames(bridge, [{ column: 'nick_name', condition: '=', value: 'elodie strasse' }])).toEqual(['elodie']);
    expect(await usernames(bridge, [{ column: 'nick_name', condition: '=', value: 'elodie strase' }])).toEqual([]);
    await bridge.close();

    // utf8mb4_general_ci weighs ß as "s", and is read back from the same rows after the re-keying.
    bridge = await start(database, { OMFLOW_COLLATION: 'utf8mb4_general_ci' });
    expect(await usernames(bridge, [{ column: 'nick_name', condition: '=', value: 'elodie strase' }])).toEqual(['elodie']);
    expect(await usernames(bridge, [{ column: 'nick_name', condition: '=', value: 'elodie strasse' }])).toEqual([]);
    await bridge.close();
    const check = await new DataSource(buildDataSourceOptions(database)).initialize();
    expect(await check.query('SELECT collation_keys AS c FROM sync_state')).toEqual([{ c: 'utf8mb4_general_ci' }]);
    expect(await check.query('SELECT COUNT(*) AS n FROM user_version WHERE username_key IS NULL')).toEqual([{ n: 0 }]);
    await check.destroy();
  });
});
